package child

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// Announcement prefixes on the child's stderr.
const (
	statsPrefix    = "mcpbench-stats "
	httpPrefix     = "mcpbench-http "
	progressPrefix = "mcpbench-progress "
	resultPrefix   = "mcpbench-result "
)

// Profiles names the profile files a child writes over its measurement window ("" for none).
type Profiles struct {
	CPU, Mem string
}

// Stage starts the profile-friendly parts of a child: with a memory profile asked for it samples every
// 4 KiB allocated (instead of every 512 KiB) from the start. Call it first in a child's main.
func (p Profiles) Stage() {
	if p.Mem != "" {
		runtime.MemProfileRate = 4096
	}
}

type profiler struct {
	Profiles
	mu  sync.Mutex
	cpu *os.File
}

// begin starts the CPU profile.
func (p *profiler) begin() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.CPU == "" || p.cpu != nil {
		return nil
	}
	f, err := os.Create(p.CPU)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.cpu = f
	return nil
}

// end stops the CPU profile and writes the allocation profile.
func (p *profiler) end() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cpu != nil {
		pprof.StopCPUProfile()
		if err := p.cpu.Close(); err != nil {
			return err
		}
		p.cpu = nil
	}
	if p.Mem == "" {
		return nil
	}
	f, err := os.Create(p.Mem)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// StartProfiles starts the CPU profile now; stop ends it and writes the allocation profile.
func StartProfiles(p Profiles) (stop func() error, err error) {
	pr := &profiler{Profiles: p}
	if err := pr.begin(); err != nil {
		return nil, err
	}
	return pr.end, nil
}

// StatsServer answers the parent's questions about this process on a loopback side listener:
// GET /stats (?gc=1 collects garbage first; ?mark=begin|end starts or stops the profiles after reading).
type StatsServer struct {
	srv  *http.Server
	ln   net.Listener
	prof *profiler
}

// ServeStats starts the side listener and announces it on stderr.
func ServeStats(p Profiles) (*StatsServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &StatsServer{ln: ln, prof: &profiler{Profiles: p}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", s.serveStats)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	Announce(statsPrefix + ln.Addr().String())
	return s, nil
}

func (s *StatsServer) serveStats(w http.ResponseWriter, r *http.Request) {
	st := Read(r.URL.Query().Get("gc") == "1")
	var err error
	switch r.URL.Query().Get("mark") {
	case "begin":
		err = s.prof.begin()
	case "end":
		err = s.prof.end()
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

// Close stops the side listener (and any profile still running).
func (s *StatsServer) Close() error {
	_ = s.prof.end()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Announce writes one line for the parent on stderr.
func Announce(line string) {
	fmt.Fprintln(os.Stderr, line)
}

// AnnounceHTTP tells the parent where the server under test listens.
func AnnounceHTTP(addr string) { Announce(httpPrefix + addr) }

// AnnounceProgress tells the parent how many calls have been answered so far.
func AnnounceProgress(calls, errors int64) {
	Announce(fmt.Sprintf("%s%d %d", progressPrefix, calls, errors))
}

// AnnounceResult hands the parent the child's result (one line of JSON).
func AnnounceResult(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	Announce(resultPrefix + string(b))
	return nil
}

// WaitStdin blocks until the parent closes the child's stdin (its way of saying "stop").
func WaitStdin() {
	_, _ = io.Copy(io.Discard, os.Stdin)
}
