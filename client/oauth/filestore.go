package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/oauth2"
)

// FileStore is a TokenStore and a ClientStore in one JSON file, written with mode 0600 (through a
// temporary file renamed over it), for command-line clients that keep their login between runs. Tokens
// are keyed by issuer and resource, registrations by issuer. Safe for concurrent use within one process; two processes writing the same file race (the
// last rename wins).
type FileStore struct {
	// Path is the file; its directory is created (0700) when missing.
	Path string

	mu sync.Mutex
}

// fileEntry is one token, or one client registration, in the file.
type fileEntry struct {
	Issuer   string        `json:"issuer"`
	Resource string        `json:"resource,omitempty"`
	Token    *oauth2.Token `json:"token,omitempty"`
	Client   *Registration `json:"client,omitempty"`
}

func (s *FileStore) read() ([]fileEntry, error) {
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var es []fileEntry
	if err := json.Unmarshal(b, &es); err != nil {
		return nil, fmt.Errorf("oauth: token file %s: %w", s.Path, err)
	}
	return es, nil
}

func (s *FileStore) write(es []fileEntry) error {
	b, err := json.MarshalIndent(es, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename, there is nothing left to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), s.Path)
}

// Load implements TokenStore.
func (s *FileStore) Load(_ context.Context, k Key) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, err := s.read()
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.Client == nil && e.Issuer == k.Issuer && e.Resource == k.Resource {
			return e.Token, nil
		}
	}
	return nil, nil
}

// Keys lists the keys of the stored tokens, in the file's order.
func (s *FileStore) Keys(context.Context) ([]Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, err := s.read()
	if err != nil {
		return nil, err
	}
	var ks []Key
	for _, e := range es {
		if e.Client == nil {
			ks = append(ks, Key{Issuer: e.Issuer, Resource: e.Resource})
		}
	}
	return ks, nil
}

// LoadClient implements ClientStore.
func (s *FileStore) LoadClient(_ context.Context, issuer string) (*Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, err := s.read()
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.Client != nil && e.Issuer == issuer {
			return e.Client, nil
		}
	}
	return nil, nil
}

// SaveClient implements ClientStore.
func (s *FileStore) SaveClient(_ context.Context, r Registration) error {
	return s.updateClient(r.Issuer, &r)
}

// DeleteClient forgets the registration kept for issuer (the next login registers again).
func (s *FileStore) DeleteClient(_ context.Context, issuer string) error {
	return s.updateClient(issuer, nil)
}

// updateClient replaces (or with nil r removes) the registration of issuer.
func (s *FileStore) updateClient(issuer string, r *Registration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, err := s.read()
	if err != nil {
		return err
	}
	out := es[:0]
	for _, e := range es {
		if e.Client == nil || e.Issuer != issuer {
			out = append(out, e)
		}
	}
	if r != nil {
		out = append(out, fileEntry{Issuer: issuer, Client: r})
	}
	return s.write(out)
}

// Save implements TokenStore.
func (s *FileStore) Save(_ context.Context, k Key, t *oauth2.Token) error {
	return s.update(k, t)
}

// Delete implements TokenStore.
func (s *FileStore) Delete(_ context.Context, k Key) error {
	return s.update(k, nil)
}

// update replaces (or with nil t removes) the entry of k.
func (s *FileStore) update(k Key, t *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, err := s.read()
	if err != nil {
		return err
	}
	out := es[:0]
	for _, e := range es {
		if e.Client != nil || e.Issuer != k.Issuer || e.Resource != k.Resource {
			out = append(out, e)
		}
	}
	if t != nil {
		out = append(out, fileEntry{Issuer: k.Issuer, Resource: k.Resource, Token: t})
	}
	return s.write(out)
}
