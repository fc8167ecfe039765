package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// display shows what is running on stderr: a live line on a terminal, one line per finished case
// otherwise (logs stay short).
type display struct {
	w     io.Writer
	tty   bool
	total int

	mu       sync.Mutex
	index    int
	label    string
	stage    string
	began    time.Time
	progress func() (int64, int64)
	stop     chan struct{}
	stopped  chan struct{}
}

func newDisplay(w io.Writer, total int) *display {
	d := &display{w: w, total: total}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			d.tty = true
		}
	}
	return d
}

// start begins a case whose counters progress returns.
func (d *display) start(label string, progress func() (int64, int64)) {
	d.mu.Lock()
	d.index++
	d.label, d.progress, d.began, d.stage = label, progress, time.Now(), ""
	d.mu.Unlock()
	if !d.tty {
		return
	}
	d.stop, d.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(d.stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-d.stop:
				return
			case <-t.C:
				fmt.Fprintf(d.w, "\r\033[K%s", d.line())
			}
		}
	}()
}

// phase names what the current case is doing.
func (d *display) phase(s string) {
	d.mu.Lock()
	d.stage = s
	d.mu.Unlock()
}

func (d *display) line() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	calls, errs := d.progress()
	return fmt.Sprintf("[%d/%d] %-28s %-9s %6.1fs %9d calls %d errors",
		d.index, d.total, d.label, d.stage, time.Since(d.began).Seconds(), calls, errs)
}

// done ends the current case.
func (d *display) done() {
	if d.tty {
		close(d.stop)
		<-d.stopped
		fmt.Fprintf(d.w, "\r\033[K")
	}
	d.phase("done")
	fmt.Fprintln(d.w, d.line())
}

// note prints a line between cases.
func (d *display) note(format string, args ...any) {
	fmt.Fprintf(d.w, format+"\n", args...)
}
