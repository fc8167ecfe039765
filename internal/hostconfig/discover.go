package hostconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Found is a file found at one of the Locations.
type Found struct {
	Location
	// File is the file's content; nil when Err is set.
	File *File
	// Err says why a file that exists could not be read.
	Err error
}

// Discover loads the files of Locations(p) that exist and list servers, in Locations' order. A file
// that is missing, or has no server list (ErrNoServers), is left out; one that cannot be read or parsed
// is returned with its Err.
func Discover(p Place) []Found {
	p = p.withDefaults()
	var out []Found
	for _, loc := range Locations(p) {
		f, err := Load(loc.Path, LoadOptions{Dir: p.Dir})
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, ErrNoServers):
			continue
		case err != nil:
			out = append(out, Found{Location: loc, Err: err})
		default:
			out = append(out, Found{Location: loc, File: f})
		}
	}
	return out
}

// Find returns the first file among Locations(p) that has a server called name. When none has it, the
// error lists the files searched and those that could not be read.
func Find(p Place, name string) (*File, error) {
	found := Discover(p)
	var searched, broken []string
	for _, fd := range found {
		if fd.Err != nil {
			broken = append(broken, fd.Err.Error())
			continue
		}
		if _, ok := fd.File.Server(name); ok {
			return fd.File, nil
		}
		searched = append(searched, fd.Path)
	}
	msg := fmt.Sprintf("no server %q in the usual config files", name)
	if len(searched) == 0 {
		msg += " (none found with servers; see mcpkit config ls --help)"
	} else {
		msg += " (searched " + strings.Join(searched, ", ") + ")"
	}
	if len(broken) > 0 {
		msg += "; unreadable: " + strings.Join(broken, "; ")
	}
	return nil, errors.New(msg)
}
