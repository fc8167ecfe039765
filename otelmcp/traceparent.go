package otelmcp

import (
	"go.opentelemetry.io/otel/trace"
)

// The W3C Trace Context traceparent, version 00: "00-" 32 hex digits of trace id "-" 16 of parent (span)
// id "-" 2 of flags, lowercase, 55 bytes. These are written and read here by hand, into and out of fixed
// arrays, because every traced request pays for them: propagation.TraceContext builds the string with a
// strings.Builder, and the carriers it reads through hand it strings, which _meta holds as JSON.

// traceParentLen is the length of a version-00 traceparent.
const traceParentLen = 55

// keptFlags are the trace flags the specification defines (sampled, random); others are not propagated.
const keptFlags = trace.FlagsSampled | trace.FlagsRandom

const hexDigits = "0123456789abcdef"

// appendTraceParent appends the version-00 traceparent of sc to dst.
func appendTraceParent(dst []byte, sc trace.SpanContext) []byte {
	var b [traceParentLen]byte
	b[0], b[1], b[2] = '0', '0', '-'
	tid, sid := sc.TraceID(), sc.SpanID()
	for i, v := range tid {
		b[3+2*i], b[4+2*i] = hexDigits[v>>4], hexDigits[v&0xf]
	}
	b[35] = '-'
	for i, v := range sid {
		b[36+2*i], b[37+2*i] = hexDigits[v>>4], hexDigits[v&0xf]
	}
	b[52] = '-'
	f := byte(sc.TraceFlags() & keptFlags)
	b[53], b[54] = hexDigits[f>>4], hexDigits[f&0xf]
	return append(dst, b[:]...)
}

// parseTraceParent reads a traceparent header's value as the specification says a receiver must: two
// lowercase hex digits of version, not ff; for version 00 exactly 55 bytes, for a later version at least
// those 55 and, after them, a '-' before whatever that version added; lowercase hex trace id and parent
// id, neither all zeros; flags whose bits beyond sampled and random are zero in version 00 (a later
// version's are ignored). ok is false for anything else. The result has the sampled and random flags only
// and is marked remote. It allocates nothing.
func parseTraceParent[S string | []byte](s S) (cfg trace.SpanContextConfig, ok bool) {
	if len(s) < traceParentLen || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return cfg, false
	}
	version, ok := hexByte(s[0], s[1])
	if !ok || version == 0xff {
		return cfg, false
	}
	if len(s) > traceParentLen && (version == 0 || s[traceParentLen] != '-') {
		return cfg, false
	}
	for i := range cfg.TraceID {
		if cfg.TraceID[i], ok = hexByte(s[3+2*i], s[4+2*i]); !ok {
			return cfg, false
		}
	}
	for i := range cfg.SpanID {
		if cfg.SpanID[i], ok = hexByte(s[36+2*i], s[37+2*i]); !ok {
			return cfg, false
		}
	}
	flags, ok := hexByte(s[53], s[54])
	if !ok || (version == 0 && trace.TraceFlags(flags)&^keptFlags != 0) {
		return cfg, false
	}
	if !cfg.TraceID.IsValid() || !cfg.SpanID.IsValid() {
		return cfg, false
	}
	cfg.TraceFlags = trace.TraceFlags(flags) & keptFlags
	cfg.Remote = true
	return cfg, true
}

// hexByte decodes two lowercase hex digits.
func hexByte(hi, lo byte) (byte, bool) {
	h, ok1 := hexNibble(hi)
	l, ok2 := hexNibble(lo)
	return h<<4 | l, ok1 && ok2
}

func hexNibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
