package otelmcp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BatchOptions configures a BatchProcessor. The zero value (or nil) uses the defaults of the
// OpenTelemetry specification's batching span processor: a queue of 2,048 spans, batches of 512, a
// schedule delay of 5 s and an export timeout of 30 s.
type BatchOptions struct {
	// MaxQueue is the most spans the processor holds, waiting or being exported; a span that ends while
	// it holds that many is dropped and counted (Dropped). 0 means 2,048.
	MaxQueue int
	// MaxBatch is the most spans one export call gets; as soon as that many wait, they are exported.
	// 0 means 512 (at most MaxQueue).
	MaxBatch int
	// Delay is the longest a span waits for a batch to fill before the spans waiting are exported.
	// 0 means 5 s.
	Delay time.Duration
	// ExportTimeout bounds each export call. 0 means 30 s.
	ExportTimeout time.Duration
}

// BatchProcessor is an sdktrace.SpanProcessor that hands the sampled spans that end to an exporter in
// batches, as the SDK's batch span processor does, without waking the exporting goroutine for every
// span: ending a span appends it to the queue under a short lock, and the goroutine is woken once per
// full batch (or by the schedule delay, ForceFlush and Shutdown). Drops are counted (Dropped). Spans are exported in the order
// they ended, one export call at a time. Create it with NewBatchProcessor and register it with
// sdktrace.WithSpanProcessor; the tracer provider's Shutdown (or the processor's) exports what waits and
// ends its goroutine.
type BatchProcessor struct {
	exp sdktrace.SpanExporter
	o   BatchOptions

	mu       sync.Mutex
	queue    []sdktrace.ReadOnlySpan // spans waiting, oldest first
	spare    []sdktrace.ReadOnlySpan // the previous queue's array, reused once exported
	held     int                     // spans taken for export and not yet exported
	signaled bool                    // wake holds a signal for a full batch not yet taken
	closed   bool                    // Shutdown began: spans are no longer accepted
	dropped  uint64

	wake  chan struct{}     // a batch is full
	flush chan flushRequest // ForceFlush
	stop  chan stopRequest  // Shutdown
	done  chan struct{}     // closed when the goroutine has ended
	once  sync.Once         // Shutdown's
	err   error             // Shutdown's result

	exportErr error // the export error of the goroutine's last round (Shutdown's), read once done is closed
}

type flushRequest struct {
	ctx  context.Context
	done chan error
}

type stopRequest struct {
	ctx context.Context
}

var _ sdktrace.SpanProcessor = (*BatchProcessor)(nil)

// NewBatchProcessor returns a BatchProcessor exporting to exp, and starts its goroutine (Shutdown ends
// it). Negative values in opts are an error.
func NewBatchProcessor(exp sdktrace.SpanExporter, opts *BatchOptions) (*BatchProcessor, error) {
	if exp == nil {
		return nil, errors.New("otelmcp: NewBatchProcessor needs an exporter")
	}
	var o BatchOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxQueue < 0 || o.MaxBatch < 0 || o.Delay < 0 || o.ExportTimeout < 0 {
		return nil, fmt.Errorf("otelmcp: BatchOptions must not be negative (MaxQueue %d, MaxBatch %d, Delay %v, ExportTimeout %v)",
			o.MaxQueue, o.MaxBatch, o.Delay, o.ExportTimeout)
	}
	if o.MaxQueue == 0 {
		o.MaxQueue = 2048
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = 512
	}
	o.MaxBatch = min(o.MaxBatch, o.MaxQueue)
	if o.Delay == 0 {
		o.Delay = 5 * time.Second
	}
	if o.ExportTimeout == 0 {
		o.ExportTimeout = 30 * time.Second
	}
	p := &BatchProcessor{
		exp:   exp,
		o:     o,
		queue: make([]sdktrace.ReadOnlySpan, 0, o.MaxBatch),
		spare: make([]sdktrace.ReadOnlySpan, 0, o.MaxBatch),
		wake:  make(chan struct{}, 1),
		flush: make(chan flushRequest),
		stop:  make(chan stopRequest, 1),
		done:  make(chan struct{}),
	}
	go p.run()
	return p, nil
}

// OnStart does nothing: spans are handed over when they end.
func (*BatchProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd queues s for export if it is sampled; it drops s (counted by Dropped) when the processor holds
// MaxQueue spans, and ignores it after Shutdown.
func (p *BatchProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	if len(p.queue)+p.held >= p.o.MaxQueue {
		p.dropped++
		p.mu.Unlock()
		return
	}
	p.queue = append(p.queue, s)
	full := len(p.queue) >= p.o.MaxBatch && !p.signaled
	if full {
		p.signaled = true
	}
	p.mu.Unlock()
	if full {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// Dropped returns the number of spans dropped because the queue was full.
func (p *BatchProcessor) Dropped() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

// ForceFlush exports every span that ended before the call and returns when the exporter has them, with
// the first export error; it returns ctx's error if ctx ends first (the spans are still exported), and
// nil after Shutdown.
func (p *BatchProcessor) ForceFlush(ctx context.Context) error {
	req := flushRequest{ctx: ctx, done: make(chan error, 1)}
	select {
	case p.flush <- req:
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown stops accepting spans, exports those that wait (their export calls get ctx), waits for the
// goroutine to end and shuts the exporter down. It returns ctx's error if ctx ends first, else the first
// export or exporter error; later calls return the first call's result.
func (p *BatchProcessor) Shutdown(ctx context.Context) error {
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.stop <- stopRequest{ctx: ctx}
		select {
		case <-p.done:
			p.err = p.exportErr
		case <-ctx.Done():
			p.err = ctx.Err()
		}
		p.err = errors.Join(p.err, p.exp.Shutdown(ctx))
	})
	return p.err
}

// run is the processor's goroutine: it exports when a batch is full, when the delay passes, and on
// ForceFlush and Shutdown.
func (p *BatchProcessor) run() {
	defer close(p.done)
	t := time.NewTimer(p.o.Delay)
	defer t.Stop()
	for {
		select {
		case <-p.wake:
			p.export(context.Background(), true)
		case <-t.C:
			p.export(context.Background(), true)
		case req := <-p.flush:
			req.done <- p.export(req.ctx, false)
		case req := <-p.stop:
			p.exportErr = p.export(req.ctx, false)
			return
		}
		t.Reset(p.o.Delay)
	}
}

// export hands every span waiting to the exporter, MaxBatch at a time, each call bounded by
// ExportTimeout, and returns the first error. In the background (report) errors go to otel.Handle, as
// the SDK's processor reports them; ForceFlush and Shutdown return them to their callers instead.
func (p *BatchProcessor) export(ctx context.Context, report bool) error {
	p.mu.Lock()
	batch := p.queue
	p.queue, p.spare = p.spare[:0], nil
	p.held += len(batch)
	p.signaled = false
	p.mu.Unlock()
	var first error
	for start := 0; start < len(batch); start += p.o.MaxBatch {
		chunk := batch[start:min(start+p.o.MaxBatch, len(batch))]
		ectx, cancel := context.WithTimeout(ctx, p.o.ExportTimeout)
		err := p.exp.ExportSpans(ectx, chunk)
		cancel()
		if err != nil {
			if report {
				otel.Handle(err)
			}
			if first == nil {
				first = err
			}
		}
		p.mu.Lock()
		p.held -= len(chunk)
		p.mu.Unlock()
	}
	clear(batch) // the spans are the exporter's now: let them go
	p.mu.Lock()
	p.spare = batch[:0]
	p.mu.Unlock()
	return first
}

// BatchOptionsFromEnv returns the BatchOptions the environment sets with the variables of the
// OpenTelemetry specification for the batch span processor: OTEL_BSP_SCHEDULE_DELAY and
// OTEL_BSP_EXPORT_TIMEOUT (milliseconds), OTEL_BSP_MAX_QUEUE_SIZE and OTEL_BSP_MAX_EXPORT_BATCH_SIZE.
// Unset or empty variables keep the defaults; a value that is not a non-negative integer is an error
// naming the variable (the SDK ignores such values; a typo here should not go unnoticed).
func BatchOptionsFromEnv() (*BatchOptions, error) {
	var o BatchOptions
	for _, v := range []struct {
		name string
		set  func(int)
	}{
		{"OTEL_BSP_SCHEDULE_DELAY", func(n int) { o.Delay = time.Duration(n) * time.Millisecond }},
		{"OTEL_BSP_EXPORT_TIMEOUT", func(n int) { o.ExportTimeout = time.Duration(n) * time.Millisecond }},
		{"OTEL_BSP_MAX_QUEUE_SIZE", func(n int) { o.MaxQueue = n }},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", func(n int) { o.MaxBatch = n }},
	} {
		s := strings.TrimSpace(os.Getenv(v.name))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s=%q: want a non-negative integer", v.name, s)
		}
		v.set(n)
	}
	return &o, nil
}
