package otelmcp

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// reference is what propagation.TraceContext (the code parseTraceParent replaces on the default path)
// makes of a traceparent header, but for one leniency of its: it takes a version-00 value followed by a
// lone '-' (56 bytes), which the specification's grammar for version 00 does not allow.
func reference(tp string) (trace.SpanContext, bool) {
	if len(tp) == traceParentLen+1 && strings.HasPrefix(tp, "00-") && tp[traceParentLen] == '-' {
		return trace.SpanContext{}, false
	}
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{"traceparent": tp})
	sc := trace.SpanContextFromContext(ctx)
	return sc, sc.IsValid()
}

func TestParseTraceParent(t *testing.T) {
	const tid, sid = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	cases := []struct {
		in   string
		ok   bool
		flag trace.TraceFlags
	}{
		{"00-" + tid + "-" + sid + "-01", true, trace.FlagsSampled},
		{"00-" + tid + "-" + sid + "-00", true, 0},
		{"00-" + tid + "-" + sid + "-03", true, trace.FlagsSampled | trace.FlagsRandom},
		{"00-" + tid + "-" + sid + "-04", false, 0},                                 // version 00: reserved flag bits set
		{"01-" + tid + "-" + sid + "-09", true, trace.FlagsSampled},                 // a later version: unknown flags ignored
		{"01-" + tid + "-" + sid + "-01-what-comes-next", true, trace.FlagsSampled}, // a later version may add fields
		{"01-" + tid + "-" + sid + "-01x", false, 0},                                // … after a '-'
		{"00-" + tid + "-" + sid + "-01-", false, 0},                                // version 00 has nothing after the flags
		{"00-" + tid + "-" + sid + "-01-x", false, 0},
		{"ff-" + tid + "-" + sid + "-01", false, 0}, // version ff is invalid
		{"0g-" + tid + "-" + sid + "-01", false, 0},
		{"00-" + strings.ToUpper(tid) + "-" + sid + "-01", false, 0}, // uppercase hex
		{"00-" + tid + "-" + strings.ToUpper("00f067aa0ba902bb") + "-01", false, 0},
		{"00-00000000000000000000000000000000-" + sid + "-01", false, 0}, // zero trace id
		{"00-" + tid + "-0000000000000000-01", false, 0},                 // zero parent id
		{"00-" + tid + "-" + sid + "-0", false, 0},
		{"00-" + tid + "-" + sid + "01", false, 0},
		{"00_" + tid + "-" + sid + "-01", false, 0},
		{"", false, 0},
		{"00-" + tid[1:] + "-" + sid + "-001", false, 0},
	}
	for _, c := range cases {
		cfg, ok := parseTraceParent(c.in)
		if ok != c.ok {
			t.Errorf("parseTraceParent(%q): ok %v, want %v", c.in, ok, c.ok)
			continue
		}
		if ref, refOK := reference(c.in); refOK != ok {
			t.Errorf("parseTraceParent(%q): ok %v, propagation.TraceContext says %v", c.in, ok, refOK)
		} else if ok && !trace.NewSpanContext(cfg).Equal(ref) {
			t.Errorf("parseTraceParent(%q) = %v, propagation.TraceContext says %v", c.in, trace.NewSpanContext(cfg), ref)
		}
		if !ok {
			continue
		}
		if cfg.TraceID.String() != tid || cfg.SpanID.String() != sid || cfg.TraceFlags != c.flag || !cfg.Remote {
			t.Errorf("parseTraceParent(%q) = %s %s %v remote %v", c.in, cfg.TraceID, cfg.SpanID, cfg.TraceFlags, cfg.Remote)
		}
		if _, okBytes := parseTraceParent([]byte(c.in)); !okBytes {
			t.Errorf("parseTraceParent([]byte(%q)) refused what the string form took", c.in)
		}
	}
}

// TestTraceParentNoAlloc: formatting and parsing a traceparent allocate nothing.
func TestTraceParentNoAlloc(t *testing.T) {
	cfg, _ := parseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	sc := trace.NewSpanContext(cfg)
	buf := make([]byte, 0, traceParentLen)
	b := []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if n := testing.AllocsPerRun(100, func() {
		buf = appendTraceParent(buf[:0], sc)
		if _, ok := parseTraceParent(b); !ok {
			t.Fatal("refused")
		}
	}); n != 0 {
		t.Fatalf("%v allocations per format and parse, want 0", n)
	}
}

// FuzzTraceParent: parseTraceParent never panics and agrees with propagation.TraceContext on every input
// (what it accepts and the span context it reads); whatever it accepts, appendTraceParent writes back as
// version 00 and parseTraceParent reads to the same span context; a span context built from any ids and
// flags goes through appendTraceParent and parseTraceParent unchanged (but for the flags the
// specification does not define).
func FuzzTraceParent(f *testing.F) {
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", []byte("0123456789abcdef01234567"), byte(1))
	f.Add("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-x", []byte{}, byte(0xff))
	f.Add("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", []byte{1}, byte(2))
	f.Add("ff-00000000000000000000000000000000-0000000000000000-00", make([]byte, 24), byte(0))
	f.Fuzz(func(t *testing.T, s string, ids []byte, flags byte) {
		cfg, ok := parseTraceParent(s)
		ref, refOK := reference(s)
		if ok != refOK {
			t.Fatalf("parseTraceParent(%q): ok %v, propagation.TraceContext says %v", s, ok, refOK)
		}
		if ok {
			sc := trace.NewSpanContext(cfg)
			if !sc.Equal(ref) {
				t.Fatalf("parseTraceParent(%q) = %v, propagation.TraceContext says %v", s, sc, ref)
			}
			out := appendTraceParent(nil, sc)
			back, ok := parseTraceParent(out)
			if !ok || !trace.NewSpanContext(back).Equal(sc) || len(out) != traceParentLen || out[0] != '0' || out[1] != '0' {
				t.Fatalf("%q → %q → %v %v", s, out, back, ok)
			}
		}
		var in trace.SpanContextConfig
		copy(in.TraceID[:], ids)
		if len(ids) > 16 {
			copy(in.SpanID[:], ids[16:])
		}
		in.TraceFlags, in.Remote = trace.TraceFlags(flags), true
		sc := trace.NewSpanContext(in)
		out := appendTraceParent(nil, sc)
		back, ok := parseTraceParent(out)
		if ok != sc.IsValid() {
			t.Fatalf("%v → %q: ok %v", sc, out, ok)
		}
		if ok && (back.TraceID != in.TraceID || back.SpanID != in.SpanID || back.TraceFlags != in.TraceFlags&keptFlags) {
			t.Fatalf("%v → %q → %v", sc, out, back)
		}
		if ok {
			var tc propagation.MapCarrier = map[string]string{}
			propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), sc), tc)
			if tc["traceparent"] != string(out) {
				t.Fatalf("appendTraceParent %q, propagation.TraceContext writes %q", out, tc["traceparent"])
			}
		}
	})
}
