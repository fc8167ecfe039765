package server

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// interaction is the multi round-trip state of one 2026-07-28 request while its handler runs: the answers
// it may use, the questions it left open, and a failure that ends the request whatever the handler returns.
type interaction struct {
	mu      sync.Mutex
	answers map[string]jsontext.Value // answers from requestState and the retry's inputResponses
	used    map[string]jsontext.Value // answers the handler took this run (carried to the next round); lazy
	seq     int32                     // questions asked so far this run (for automatic keys)
	// toolErr is Request.ToolError (any request, interactive or not). It sits here, beside seq, in what
	// would be padding: Request keeps the 240 bytes (a size class) it had before observers existed.
	toolErr bool
	pending mcp.InputRequests // the open round, if any
	err     *jsonrpc.Error    // a protocol error that ends the request
}

func (ia *interaction) fail(e *jsonrpc.Error) {
	ia.mu.Lock()
	if ia.err == nil {
		ia.err = e
	}
	ia.mu.Unlock()
}

// mrtrParams are the members of tools/call, prompts/get and resources/read params that carry a round's
// answers.
type mrtrParams struct {
	InputResponses jsontext.Value `json:"inputResponses"`
	RequestState   *string        `json:"requestState"`
}

// serveInteractive runs a method that may ask the client for input on a 2026-07-28 request: it opens the
// request's state, gathers the answers, runs the method, and turns an open question into an
// input_required result with a freshly sealed requestState.
func (s *Server) serveInteractive(ctx context.Context, r *Request, serve func(context.Context, *Request) (jsontext.Value, error)) (jsontext.Value, error) {
	ia := &r.iaBox
	var digest []byte
	// Most requests carry neither member: skip decoding them (the hot path stays as cheap as without MRTR).
	if bytes.Contains(r.Params, []byte(`"inputResponses"`)) || bytes.Contains(r.Params, []byte(`"requestState"`)) {
		var p mrtrParams
		if err := json.Unmarshal(r.Params, &p); err != nil {
			return nil, invalidParams(trimJSONErr(err))
		}
		if len(p.InputResponses) > 0 && p.InputResponses.Kind() != '{' {
			return nil, invalidParams("inputResponses must be an object mapping input keys to results")
		}
		var responses map[string]jsontext.Value
		if len(p.InputResponses) > 0 {
			if err := json.Unmarshal(p.InputResponses, &responses); err != nil {
				return nil, invalidParams("inputResponses: " + trimJSONErr(err))
			}
		}
		if p.RequestState != nil {
			var err error
			if digest, err = paramsDigest(r.Params); err != nil {
				return nil, invalidParams(trimJSONErr(err))
			}
			st, err := open(ctx, s.keys, *p.RequestState, r.Method, digest, s.principal(ctx), time.Now())
			if err != nil {
				return nil, invalidParams(err.Error())
			}
			ia.answers = make(map[string]jsontext.Value, len(st.Answers)+len(st.Pending))
			for k, v := range st.Answers {
				ia.answers[k] = v
			}
			for _, k := range st.Pending { // only what the last round asked; extra keys are ignored
				if v, ok := responses[k]; ok {
					ia.answers[k] = v
				}
			}
		} else {
			// No state: the first round, or a client answering questions whose round carried none. The
			// answers are the client's own input either way; the handler takes only the keys it asks for.
			ia.answers = responses
		}
	}
	r.ia = ia
	res, err := serve(ctx, r)

	ia.mu.Lock()
	defer ia.mu.Unlock()
	if ia.err != nil {
		return nil, ia.err
	}
	if ia.pending == nil {
		if errors.Is(err, ErrInputRequired) {
			// The handler returned ErrInputRequired without asking through this request.
			s.log.Error("mcp: handler returned ErrInputRequired without an open question", "method", r.Method)
			return nil, internalError()
		}
		return res, err
	}
	// The handler's ErrInputRequired became an isError result inside serve; the answer is input_required,
	// which is not a tool error (Request.ToolError: metrics count it ok, a span is not failed).
	ia.toolErr = false
	if digest == nil {
		if digest, err = paramsDigest(r.Params); err != nil {
			return nil, invalidParams(trimJSONErr(err))
		}
	}
	st := &requestState{
		Method:    r.Method,
		Digest:    digest,
		Principal: s.principal(ctx), // only now: most requests never need it (a concatenation per call with JWTs)
		Expires:   time.Now().Add(s.opts.RequestStateTTL).UnixMilli(),
		Answers:   ia.used,
	}
	for k := range ia.pending {
		st.Pending = append(st.Pending, k)
	}
	sealed, err := seal(ctx, s.keys, st)
	if err != nil {
		s.log.Error("mcp: sealing requestState failed", "err", err)
		return nil, internalError()
	}
	out := mcp.NewInputRequiredResult(ia.pending, sealed)
	out.Meta = &mcp.ResultMeta{ServerInfo: &s.impl}
	return marshalResult(out)
}

// principal returns the authenticated caller of ctx, as Options.Principal says ("" without one).
func (s *Server) principal(ctx context.Context) string {
	if s.opts.Principal == nil {
		return ""
	}
	return s.opts.Principal(ctx)
}
