package demo

import (
	"embed"
	"io/fs"

	"github.com/mcpkit/mcpkit/server"
)

//go:embed skills
var skillFiles embed.FS

// AddDemoSkills serves the demo's skills (the skills extension, SEP-2640): long-jobs, which tells an agent
// how to run process_files as a task. One call serves a whole tree of skills from an fs.FS.
func AddDemoSkills(s *server.Server) error {
	sub, err := fs.Sub(skillFiles, "skills")
	if err != nil {
		return err
	}
	return server.AddSkills(s, sub, nil)
}
