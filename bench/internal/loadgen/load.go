package loadgen

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Phases of a load run: warm-up calls are made but not counted.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// Result is what a load run measured in its measurement window.
type Result struct {
	// Calls is the number of correct answers; Errors the number of failed or wrong ones.
	Calls, Errors int64
	// ErrorSamples are up to five distinct error messages with their counts.
	ErrorSamples []string
	// Elapsed is the length of the measurement window.
	Elapsed time.Duration
	// Latency holds the latency of every correct answer.
	Latency Histogram
}

// Throughput is correct answers per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// Load is a running load: clients call in a loop until Stop.
type Load struct {
	phase  atomic.Int32
	calls  atomic.Int64 // correct answers in the measurement window (for progress)
	errs   atomic.Int64
	wg     sync.WaitGroup
	abort  func() // unblocks clients stuck on a dead server
	start  time.Time
	hists  []Histogram
	errMu  sync.Mutex
	errMsg map[string]*errSample
}

// errSample counts the errors of one kind (messages equal but for their digits) and keeps the first.
type errSample struct {
	first string
	n     int64
}

func newLoad(clients int, abort func()) *Load {
	return &Load{hists: make([]Histogram, clients), abort: abort, errMsg: map[string]*errSample{}}
}

// Measure ends the warm-up: from now on answers are counted.
func (l *Load) Measure() {
	l.start = time.Now()
	l.phase.Store(phaseMeasure)
}

// Progress returns the correct and failed answers counted so far.
func (l *Load) Progress() (calls, errors int64) { return l.calls.Load(), l.errs.Load() }

// Stop ends the run and returns its result. Clients finish the call they are in; those still blocked
// after grace are unblocked by closing their connections.
func (l *Load) Stop(grace time.Duration) Result {
	end := time.Now()
	l.phase.Store(phaseStop)
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		l.abort()
		<-done
	}
	l.abort()
	r := Result{Calls: l.calls.Load(), Errors: l.errs.Load()}
	if !l.start.IsZero() {
		r.Elapsed = end.Sub(l.start)
	}
	for i := range l.hists {
		r.Latency.Merge(&l.hists[i])
	}
	var samples []*errSample
	for _, s := range l.errMsg {
		samples = append(samples, s)
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i].n > samples[j].n })
	for i, s := range samples {
		if i == 5 {
			break
		}
		r.ErrorSamples = append(r.ErrorSamples, formatSample(s.n, s.first))
	}
	return r
}

func formatSample(n int64, msg string) string {
	return strconv.FormatInt(n, 10) + "× " + msg
}

// done records one finished call of client c that started in phase ph.
func (l *Load) done(c int, ph int32, d time.Duration, err error) {
	if ph != phaseMeasure || l.phase.Load() != phaseMeasure {
		return
	}
	if err != nil {
		l.errs.Add(1)
		l.noteError(err)
		return
	}
	l.calls.Add(1)
	l.hists[c].Record(d)
}

// noteError keeps a bounded set of distinct error messages.
func (l *Load) noteError(err error) {
	msg := err.Error()
	key := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, msg)
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if s, ok := l.errMsg[key]; ok {
		s.n++
	} else if len(l.errMsg) < 50 {
		l.errMsg[key] = &errSample{first: msg, n: 1}
	}
}

// stopped reports whether clients should leave their loop.
func (l *Load) stopped() bool { return l.phase.Load() == phaseStop }

// noteStray counts an answer that matches no call.
func (l *Load) noteStray(msg []byte) {
	if l.phase.Load() != phaseMeasure {
		return
	}
	l.errs.Add(1)
	l.noteError(fmt.Errorf("answer with an unexpected id: %s", snippet(msg)))
}
