package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// skillsList connects and lists every skill, as a host building its registry does, and loads none: what
// sep-2640-client-no-prefetch scores (no skill file may be read on connection or listing).
func skillsList(ctx context.Context, e *env) error {
	s, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer e.close(s)
	entries, err := allSkills(ctx, s)
	if err != nil {
		return err
	}
	names := make([]string, len(entries))
	for i, sk := range entries {
		names[i] = sk.Frontmatter.Name
	}
	e.log.Info("skills listed, none loaded", "names", strings.Join(names, ","))
	return nil
}

// skillsLoad lists the skills, loads the first (reading and verifying its SKILL.md) and then reads every
// file it lists, as a host acting on the skill would. The sep-2640-client-verify-* scenarios serve a
// SKILL.md that fails verification (digest, size, frontmatter): LoadSkill refuses it, so no supporting file
// is ever read, and the scenario ends with that verification error.
func skillsLoad(ctx context.Context, e *env) error {
	s, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer e.close(s)
	entries, err := allSkills(ctx, s)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("the server lists no skill")
	}
	l, err := s.LoadSkill(ctx, entries[0], nil)
	if err != nil {
		return fmt.Errorf("loading skill %s: %w", entries[0].URI, err)
	}
	for _, r := range l.Entry().Resources {
		if _, err := l.ReadFile(ctx, r.URI); err != nil {
			return fmt.Errorf("skill %s: %w", entries[0].URI, err)
		}
	}
	e.log.Info("skill loaded and every file verified", "uri", entries[0].URI, "files", len(l.Entry().Resources))
	return nil
}

// allSkills lists every skill entry, following cursors.
func allSkills(ctx context.Context, s *client.Session) ([]mcp.Skill, error) {
	var out []mcp.Skill
	for sk, err := range s.Skills(ctx) {
		if err != nil {
			return nil, fmt.Errorf("skills/list: %w", err)
		}
		out = append(out, sk)
	}
	return out, nil
}
