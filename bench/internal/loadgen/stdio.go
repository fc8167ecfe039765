package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// StdioConfig describes a load over one stdio connection (a server subprocess's stdin and stdout).
type StdioConfig struct {
	// W is the server's stdin, R its stdout.
	W io.WriteCloser
	R io.ReadCloser
	// Tool is the tool every call calls.
	Tool string
	// Clients is the number of calls in flight at once on the connection.
	Clients int
	// Timeout bounds the handshake (default 30s).
	Timeout time.Duration
}

// StartStdio performs the legacy handshake, then starts Clients callers multiplexed over the one
// connection by id: client c uses ids 1+c, 1+c+Clients, 1+c+2·Clients, …
func StartStdio(cfg StdioConfig) (*Load, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Clients <= 0 {
		return nil, errors.New("loadgen: need at least one client")
	}
	abort := sync.OnceFunc(func() { cfg.W.Close(); cfg.R.Close() })
	br := bufio.NewReaderSize(cfg.R, 64<<10)
	if err := stdioHandshake(cfg, br); err != nil {
		abort()
		return nil, err
	}
	l := newLoad(cfg.Clients, abort)
	n := int64(cfg.Clients)
	answers := make([]chan error, cfg.Clients)
	for i := range answers {
		answers[i] = make(chan error, 1)
	}
	dead := make(chan struct{})
	var wmu sync.Mutex
	call := workload.Call(cfg.Tool, false)

	// The reader matches each answer to its client by id and checks it there.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(dead)
		var line []byte
		strict := make([]bool, cfg.Clients)
		for i := range strict {
			strict[i] = true
		}
		for {
			var err error
			if line, err = readLine(br, line[:0]); err != nil {
				return
			}
			id := IDOf(line)
			if id < 0 {
				continue // a notification
			}
			if id < 1 {
				l.noteStray(line)
				continue
			}
			c := (id - 1) % n
			select {
			case answers[c] <- Check(cfg.Tool, id, line, strict[c]):
				strict[c] = false
			default: // the client has an answer it has not taken: this one is a duplicate
				l.noteStray(line)
			}
		}
	}()
	for i := range cfg.Clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			var buf []byte
			for k := int64(0); !l.stopped(); k++ {
				id := 1 + int64(i) + k*n
				ph := l.phase.Load()
				buf = call.Append(buf[:0], id)
				buf = append(buf, '\n')
				t0 := time.Now()
				wmu.Lock()
				_, err := cfg.W.Write(buf)
				wmu.Unlock()
				if err == nil {
					select {
					case err = <-answers[i]:
					case <-dead:
						err = errors.New("server closed stdout")
					}
				}
				l.done(i, ph, time.Since(t0), err)
				if err != nil {
					select {
					case <-dead:
						return
					default:
					}
				}
			}
		}()
	}
	l.abort = func() { abort(); <-readerDone }
	return l, nil
}

func stdioHandshake(cfg StdioConfig, br *bufio.Reader) error {
	done := make(chan error, 1)
	go func() {
		msg := workload.Initialize.Append(nil, 0)
		if _, err := cfg.W.Write(append(msg, '\n')); err != nil {
			done <- fmt.Errorf("initialize: %w", err)
			return
		}
		for {
			line, err := readLine(br, nil)
			if err != nil {
				done <- fmt.Errorf("initialize: %w", err)
				return
			}
			if IDOf(line) != 0 {
				continue
			}
			var res struct {
				Result struct {
					ProtocolVersion string `json:"protocolVersion"`
				} `json:"result"`
			}
			if err := json.Unmarshal(line, &res); err != nil || res.Result.ProtocolVersion == "" {
				done <- fmt.Errorf("initialize: unexpected answer %s", snippet(line))
				return
			}
			break
		}
		_, err := cfg.W.Write(append(append([]byte(nil), workload.Initialized...), '\n'))
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(cfg.Timeout):
		cfg.W.Close()
		cfg.R.Close()
		return errors.New("initialize: no answer in time")
	}
}

// readLine appends the next line (without its newline) to dst.
func readLine(br *bufio.Reader, dst []byte) ([]byte, error) {
	for {
		frag, err := br.ReadSlice('\n')
		dst = append(dst, frag...)
		if err == nil {
			return dst[:len(dst)-1], nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return dst, err
		}
	}
}
