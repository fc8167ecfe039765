package child

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// EnvChild marks a process started by Start. Test binaries look for it in TestMain to act as the child.
const EnvChild = "MCPBENCH_CHILD"

// Process is a running child.
type Process struct {
	cmd *exec.Cmd
	// Stdin and Stdout are the child's; for serve-stdio they carry the protocol.
	Stdin  io.WriteCloser
	Stdout io.ReadCloser
	// HTTPAddr is where an HTTP child's server listens (host:port).
	HTTPAddr  string
	statsAddr string

	calls, errs atomic.Int64 // from progress announcements

	mu      sync.Mutex
	result  string   // the child's result line
	tail    []string // the child's last stderr lines, for error reports
	stderrD chan struct{}
	waitErr chan error
}

// Start runs this executable again with args and waits until it has announced its stats listener (and
// its HTTP server when wantHTTP).
func Start(args []string, wantHTTP bool) (*Process, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), EnvChild+"=1")
	p := &Process{cmd: cmd, stderrD: make(chan struct{}), waitErr: make(chan error, 1)}
	if p.Stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if p.Stdout, err = cmd.StdoutPipe(); err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	go p.readStderr(stderr, wantHTTP, ready)
	go func() {
		<-p.stderrD
		p.waitErr <- cmd.Wait()
	}()
	select {
	case <-ready:
		return p, nil
	case <-p.stderrD:
		p.Close()
		return nil, fmt.Errorf("%s exited before it was ready: %s", strings.Join(args, " "), p.Tail())
	case <-time.After(30 * time.Second):
		p.Close()
		return nil, fmt.Errorf("%s: not ready after 30s: %s", strings.Join(args, " "), p.Tail())
	}
}

func (p *Process) readStderr(r io.Reader, wantHTTP bool, ready chan struct{}) {
	defer close(p.stderrD)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	signalled := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, statsPrefix):
			p.mu.Lock()
			p.statsAddr = strings.TrimPrefix(line, statsPrefix)
			p.mu.Unlock()
		case strings.HasPrefix(line, httpPrefix):
			p.mu.Lock()
			p.HTTPAddr = strings.TrimPrefix(line, httpPrefix)
			p.mu.Unlock()
		case strings.HasPrefix(line, resultPrefix):
			p.mu.Lock()
			p.result = strings.TrimPrefix(line, resultPrefix)
			p.mu.Unlock()
		case strings.HasPrefix(line, progressPrefix):
			f := strings.Fields(strings.TrimPrefix(line, progressPrefix))
			if len(f) == 2 {
				c, _ := strconv.ParseInt(f[0], 10, 64)
				e, _ := strconv.ParseInt(f[1], 10, 64)
				p.calls.Store(c)
				p.errs.Store(e)
			}
		default:
			p.mu.Lock()
			p.tail = append(p.tail, line)
			if len(p.tail) > 20 {
				p.tail = p.tail[1:]
			}
			p.mu.Unlock()
		}
		p.mu.Lock()
		ok := p.statsAddr != "" && (!wantHTTP || p.HTTPAddr != "")
		p.mu.Unlock()
		if ok && !signalled {
			signalled = true
			close(ready)
		}
	}
}

// Result waits for the child to exit and decodes the result it announced into v.
func (p *Process) Result(v any) error {
	<-p.stderrD
	err := <-p.waitErr
	p.waitErr <- err
	p.mu.Lock()
	line := p.result
	p.mu.Unlock()
	if line == "" {
		if err == nil {
			err = errors.New("no result")
		}
		return fmt.Errorf("child: %v: %s", exitErr(err), p.Tail())
	}
	return json.Unmarshal([]byte(line), v)
}

// Done is closed when the child has exited (its stderr closed).
func (p *Process) Done() <-chan struct{} { return p.stderrD }

// Progress returns the calls and errors the child last announced.
func (p *Process) Progress() (calls, errors int64) { return p.calls.Load(), p.errs.Load() }

// Tail returns the child's last stderr lines.
func (p *Process) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tail) == 0 {
		return "(no output)"
	}
	return strings.Join(p.tail, " | ")
}

// Stats asks the child for its counters; gc collects garbage first; mark is "", "begin" or "end" (the
// profile window).
func (p *Process) Stats(ctx context.Context, gc bool, mark string) (Stats, error) {
	p.mu.Lock()
	url := "http://" + p.statsAddr + "/stats?mark=" + mark
	p.mu.Unlock()
	if gc {
		url += "&gc=1"
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Stats{}, err
	}
	resp, err := statsClient.Do(req)
	if err != nil {
		return Stats{}, fmt.Errorf("child stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return Stats{}, fmt.Errorf("child stats: HTTP %d: %s", resp.StatusCode, b)
	}
	var s Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return Stats{}, fmt.Errorf("child stats: %w", err)
	}
	return s, nil
}

// statsClient keeps no idle connection: the child must see no stray requests between two readings.
var statsClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// Close asks the child to stop by closing its stdin, and kills it if it is still running after 5s.
func (p *Process) Close() error {
	p.Stdin.Close()
	select {
	case err := <-p.waitErr:
		p.waitErr <- err
		return exitErr(err)
	case <-time.After(5 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	err := <-p.waitErr
	p.waitErr <- err
	return errors.New("child did not stop in 5s: killed")
}

func exitErr(err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("child: %v", ee)
	}
	return err
}
