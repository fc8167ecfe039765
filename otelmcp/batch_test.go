package otelmcp_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/otelmcp"
)

// gatherExporter keeps the names of the spans it is given, batch by batch; block, when set, holds every
// export call until it is closed or the call's context ends.
type gatherExporter struct {
	mu       sync.Mutex
	batches  [][]string
	block    chan struct{}
	err      error
	shutdown int
}

func (e *gatherExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.block != nil {
		select {
		case <-e.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batches = append(e.batches, names)
	return e.err
}

func (e *gatherExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.shutdown++
	return nil
}

func (e *gatherExporter) names() (all []string, batches int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, b := range e.batches {
		all = append(all, b...)
	}
	return all, len(e.batches)
}

// batchProvider is a tracer provider exporting through a BatchProcessor into a gatherExporter.
func batchProvider(t *testing.T, opts *otelmcp.BatchOptions, exp *gatherExporter) (*sdktrace.TracerProvider, *otelmcp.BatchProcessor) {
	t.Helper()
	p, err := otelmcp.NewBatchProcessor(exp, opts)
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p), sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, p
}

func endSpans(tp trace.TracerProvider, from, to int) {
	tr := tp.Tracer("test")
	for i := from; i < to; i++ {
		_, s := tr.Start(context.Background(), fmt.Sprint(i))
		s.End()
	}
}

func wantNames(t *testing.T, got []string, from, to int) {
	t.Helper()
	if len(got) != to-from {
		t.Fatalf("%d spans exported, want %d: %v", len(got), to-from, got)
	}
	for i, n := range got {
		if n != fmt.Sprint(from+i) {
			t.Fatalf("span %d is %q, want %d (order lost): %v", i, n, from+i, got)
		}
	}
}

// TestBatchFlushOrder: ForceFlush exports every ended span, in the order they ended, MaxBatch at a time
// at most; nothing is exported before (the delay is long and no batch is full).
func TestBatchFlushOrder(t *testing.T) {
	exp := &gatherExporter{}
	tp, _ := batchProvider(t, &otelmcp.BatchOptions{MaxBatch: 4, MaxQueue: 100, Delay: time.Hour}, exp)
	endSpans(tp, 0, 3)
	if got, _ := exp.names(); len(got) != 0 {
		t.Fatalf("exported before a batch was full: %v", got)
	}
	endSpans(tp, 3, 10)
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := exp.names()
	wantNames(t, got, 0, 10)
	exp.mu.Lock()
	for _, b := range exp.batches {
		if len(b) > 4 {
			t.Errorf("a batch of %d spans, MaxBatch 4", len(b))
		}
	}
	exp.mu.Unlock()
}

// TestBatchFull: a full batch is exported without ForceFlush or the delay.
func TestBatchFull(t *testing.T) {
	exp := &gatherExporter{}
	tp, _ := batchProvider(t, &otelmcp.BatchOptions{MaxBatch: 8, Delay: time.Hour}, exp)
	endSpans(tp, 0, 8)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, _ := exp.names(); len(got) == 8 {
			wantNames(t, got, 0, 8)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a full batch was not exported within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBatchDelay: a partial batch is exported once the delay passes.
func TestBatchDelay(t *testing.T) {
	exp := &gatherExporter{}
	tp, _ := batchProvider(t, &otelmcp.BatchOptions{MaxBatch: 100, Delay: 20 * time.Millisecond}, exp)
	endSpans(tp, 0, 3)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, _ := exp.names(); len(got) == 3 {
			wantNames(t, got, 0, 3)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a partial batch was not exported within 10 s of a 20 ms delay")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBatchDropWhenFull: while the exporter is stuck, the processor holds MaxQueue spans (those being
// exported included) and drops and counts the rest; once the exporter moves, what it held is exported
// in order.
func TestBatchDropWhenFull(t *testing.T) {
	exp := &gatherExporter{block: make(chan struct{})}
	tp, p := batchProvider(t, &otelmcp.BatchOptions{MaxBatch: 2, MaxQueue: 6, Delay: time.Hour}, exp)
	endSpans(tp, 0, 2) // a full batch: the goroutine takes it and blocks in the exporter
	deadline := time.Now().Add(10 * time.Second)
	for p.Dropped() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing dropped while the exporter was stuck")
		}
		endSpans(tp, 2, 3) // fills the queue up to its bound; the rest is dropped
		time.Sleep(time.Millisecond)
	}
	close(exp.block)
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := exp.names()
	if len(got) != 6 {
		t.Fatalf("%d spans exported, want MaxQueue (6): %v", len(got), got)
	}
	wantNames(t, got[:2], 0, 2)
	for _, n := range got[2:] {
		if n != "2" {
			t.Fatalf("exported %v", got)
		}
	}
}

// TestBatchShutdown: Shutdown exports what waits, shuts the exporter down once, ignores spans that end
// afterwards, and a second Shutdown or ForceFlush is harmless.
func TestBatchShutdown(t *testing.T) {
	exp := &gatherExporter{}
	p, err := otelmcp.NewBatchProcessor(exp, &otelmcp.BatchOptions{Delay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p))
	endSpans(tp, 0, 5)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	endSpans(tp, 5, 6)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal("second Shutdown:", err)
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatal("ForceFlush after Shutdown:", err)
	}
	got, _ := exp.names()
	wantNames(t, got, 0, 5)
	if exp.shutdown != 1 {
		t.Fatalf("exporter shut down %d times", exp.shutdown)
	}
	_ = tp.Shutdown(context.Background())
}

// TestBatchShutdownDeadline: with the exporter stuck, Shutdown returns its context's error when that
// ends, and the goroutine still ends (goleak checks it at the end of the tests).
func TestBatchShutdownDeadline(t *testing.T) {
	exp := &gatherExporter{block: make(chan struct{})}
	p, err := otelmcp.NewBatchProcessor(exp, &otelmcp.BatchOptions{Delay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p))
	endSpans(tp, 0, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a stuck exporter: %v, want the deadline", err)
	}
}

// TestBatchErrors: ForceFlush returns the exporter's error; a flush whose context ends returns that.
func TestBatchErrors(t *testing.T) {
	boom := errors.New("boom")
	exp := &gatherExporter{err: boom}
	tp, _ := batchProvider(t, &otelmcp.BatchOptions{Delay: time.Hour}, exp)
	endSpans(tp, 0, 1)
	if err := tp.ForceFlush(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("ForceFlush: %v, want the exporter's error", err)
	}

	stuck := &gatherExporter{block: make(chan struct{})}
	tp2, _ := batchProvider(t, &otelmcp.BatchOptions{Delay: time.Hour}, stuck)
	endSpans(tp2, 0, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := tp2.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ForceFlush with a stuck exporter: %v, want the deadline", err)
	}
	close(stuck.block)
}

// TestBatchUnsampled: spans that are not sampled are not exported.
func TestBatchUnsampled(t *testing.T) {
	exp := &gatherExporter{}
	p, err := otelmcp.NewBatchProcessor(exp, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p), sdktrace.WithSampler(sdktrace.NeverSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	endSpans(tp, 0, 3)
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := exp.names(); len(got) != 0 {
		t.Fatalf("unsampled spans exported: %v", got)
	}
}

// TestBatchConcurrent: spans ended from many goroutines while flushes run are all exported, once each
// (run with -race).
func TestBatchConcurrent(t *testing.T) {
	exp := &gatherExporter{}
	tp, p := batchProvider(t, &otelmcp.BatchOptions{MaxBatch: 16, MaxQueue: 100000, Delay: time.Millisecond}, exp)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() { endSpans(tp, g*500, (g+1)*500) })
	}
	wg.Go(func() {
		for range 20 {
			_ = tp.ForceFlush(context.Background())
		}
	})
	wg.Wait()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := exp.names()
	seen := make(map[string]bool, len(got))
	for _, n := range got {
		if seen[n] {
			t.Fatalf("span %s exported twice", n)
		}
		seen[n] = true
	}
	if len(seen) != 4000 || p.Dropped() != 0 {
		t.Fatalf("%d distinct spans exported, %d dropped; want 4000 and 0", len(seen), p.Dropped())
	}
}

// TestBatchOptionsInvalid: negative options and a nil exporter are refused.
func TestBatchOptionsInvalid(t *testing.T) {
	if _, err := otelmcp.NewBatchProcessor(nil, nil); err == nil {
		t.Error("nil exporter accepted")
	}
	for _, o := range []otelmcp.BatchOptions{{MaxQueue: -1}, {MaxBatch: -1}, {Delay: -1}, {ExportTimeout: -1}} {
		if _, err := otelmcp.NewBatchProcessor(&gatherExporter{}, &o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// TestBatchOptionsFromEnv: the OTEL_BSP_* variables set the options (milliseconds for the durations);
// a value that is not a non-negative integer is an error naming the variable.
func TestBatchOptionsFromEnv(t *testing.T) {
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "250")
	t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", "1000")
	t.Setenv("OTEL_BSP_MAX_QUEUE_SIZE", "64")
	t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", " 8 ")
	o, err := otelmcp.BatchOptionsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := otelmcp.BatchOptions{MaxQueue: 64, MaxBatch: 8, Delay: 250 * time.Millisecond, ExportTimeout: time.Second}
	if *o != want {
		t.Fatalf("%+v, want %+v", *o, want)
	}
	t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "")
	if o, err := otelmcp.BatchOptionsFromEnv(); err != nil || o.MaxBatch != 0 {
		t.Fatalf("empty variable: %+v %v, want the default (0)", o, err)
	}
	for _, bad := range []string{"-1", "1.5", "5s"} {
		t.Setenv("OTEL_BSP_SCHEDULE_DELAY", bad)
		if _, err := otelmcp.BatchOptionsFromEnv(); err == nil || !strings.Contains(err.Error(), "OTEL_BSP_SCHEDULE_DELAY") {
			t.Errorf("OTEL_BSP_SCHEDULE_DELAY=%s: %v", bad, err)
		}
	}
}
