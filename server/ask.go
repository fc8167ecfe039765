package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Input is one question a handler asks the client: an elicitation, a sampling request or a roots listing.
// Build it with ElicitationInput, SamplingInput or RootsInput and ask with Ask.
type Input struct {
	// Key names the question in a 2026-07-28 inputRequests map. It must be unique within the request (all
	// rounds). Empty picks one from the method and the question's position in the handler, which stays the
	// same when the handler is replayed.
	Key string
	// Method is mcp.MethodElicitationCreate, mcp.MethodSamplingCreateMessage or mcp.MethodRootsList.
	Method string
	// Params are the request's params (*mcp.ElicitParams, *mcp.CreateMessageParams, or nil for roots).
	Params any
}

// ElicitationInput asks the user through the client (elicitation/create).
func ElicitationInput(key string, p *mcp.ElicitParams) Input {
	return Input{Key: key, Method: mcp.MethodElicitationCreate, Params: p}
}

// SamplingInput asks the client's LLM (sampling/createMessage).
func SamplingInput(key string, p *mcp.CreateMessageParams) Input {
	return Input{Key: key, Method: mcp.MethodSamplingCreateMessage, Params: p}
}

// RootsInput asks for the client's roots (roots/list).
func RootsInput(key string) Input { return Input{Key: key, Method: mcp.MethodRootsList} }

// ErrInputRequired is what Ask (and Elicit, Sample, Roots) return on a 2026-07-28 request when the answers
// are not there yet: the handler should return it (or any error) at once. The server then answers the
// request with an input_required result carrying the questions and a sealed requestState; when the client
// retries with the answers, the handler runs again from the start and the same calls return them.
var ErrInputRequired = errors.New("mcp: input required from the client (the request is answered input_required and replayed with the answers)")

// MissingCapabilityError says that the client did not declare a capability a question needs. On a
// 2026-07-28 request the server answers -32021 with requiredCapabilities whatever the handler returns.
type MissingCapabilityError struct {
	// Capability is "elicitation", "elicitation.url", "sampling", "sampling.tools" or "roots".
	Capability string
}

// Error implements error.
func (e *MissingCapabilityError) Error() string {
	return fmt.Sprintf("mcp: the client did not declare the %s capability", e.Capability)
}

// Ask puts one or more questions to the client and returns the raw answers in order (an ElicitResult,
// CreateMessageResult or ListRootsResult each). In a legacy session the questions are sent at once as
// server-to-client requests on the request's stream, and a client that answers one with a JSON-RPC error
// makes Ask return a *ClientError (see there); on a 2026-07-28 request they become one round of an
// input_required result (see ErrInputRequired). Questions the client has no capability for fail at once.
func Ask(ctx context.Context, inputs ...Input) ([]jsontext.Value, error) {
	r := RequestFrom(ctx)
	if r == nil {
		return nil, errors.New("mcp: Ask called outside a request handler")
	}
	if len(inputs) == 0 {
		return nil, nil
	}
	params := make([]jsontext.Value, len(inputs))
	for i, in := range inputs {
		if err := r.checkCapability(in); err != nil {
			return nil, err
		}
		raw, err := encodeInputParams(in)
		if err != nil {
			return nil, err
		}
		params[i] = raw
	}
	if r.task != nil {
		return r.task.ask(ctx, inputs, params)
	}
	if r.Era == mcp.EraModern {
		return r.askModern(inputs, params)
	}
	return r.askLegacy(ctx, inputs, params)
}

func encodeInputParams(in Input) (jsontext.Value, error) {
	switch in.Method {
	case mcp.MethodElicitationCreate, mcp.MethodSamplingCreateMessage, mcp.MethodRootsList:
	default:
		return nil, fmt.Errorf("mcp: %q is not a question a server may ask a client", in.Method)
	}
	if in.Params == nil {
		return jsontext.Value(`{}`), nil
	}
	if raw, ok := in.Params.(jsontext.Value); ok {
		return raw, nil
	}
	raw, err := json.Marshal(in.Params)
	if err != nil {
		return nil, fmt.Errorf("mcp: encoding %s params: %w", in.Method, err)
	}
	return raw, nil
}

// checkCapability fails a question the client cannot answer. On a modern request the failure is also
// recorded, so the request ends with -32021 whatever the handler does with the error.
func (r *Request) checkCapability(in Input) error {
	caps := r.ClientCapabilities
	var missing string
	var need mcp.ClientCapabilities
	switch in.Method {
	case mcp.MethodElicitationCreate:
		mode := mcp.ElicitModeForm
		if p, ok := in.Params.(*mcp.ElicitParams); ok && p.Mode == mcp.ElicitModeURL {
			mode = mcp.ElicitModeURL
		}
		if !caps.SupportsElicitation(mode) {
			missing = "elicitation"
			need.Elicitation = &mcp.ElicitationCapability{}
			if mode == mcp.ElicitModeURL {
				missing = "elicitation.url"
				need.Elicitation.URL = mcp.JSONObject{}
			}
		}
	case mcp.MethodSamplingCreateMessage:
		p, _ := in.Params.(*mcp.CreateMessageParams)
		switch {
		case !caps.SupportsSampling():
			missing, need.Sampling = "sampling", &mcp.SamplingCapability{}
		case p != nil && (len(p.Tools) > 0 || p.ToolChoice != nil) && !caps.SupportsSamplingTools():
			missing, need.Sampling = "sampling.tools", &mcp.SamplingCapability{Tools: mcp.JSONObject{}}
		}
	case mcp.MethodRootsList:
		if !caps.SupportsRoots() {
			missing, need.Roots = "roots", &mcp.RootsCapability{}
		}
	}
	if missing == "" {
		return nil
	}
	err := &MissingCapabilityError{Capability: missing}
	if r.Era == mcp.EraModern && r.ia != nil {
		data, _ := json.Marshal(mcp.MissingCapabilityData{RequiredCapabilities: need})
		r.ia.fail(&jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapability, Message: err.Error(), Data: data})
	}
	return err
}

// askLegacy sends the questions as server-to-client requests, concurrently, and waits for every answer.
func (r *Request) askLegacy(ctx context.Context, inputs []Input, params []jsontext.Value) ([]jsontext.Value, error) {
	if r.out == nil {
		return nil, errors.New("mcp: this request has no stream to ask the client on")
	}
	if t := r.server.opts.ClientRequestTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	out := make([]jsontext.Value, len(inputs))
	errs := make([]error, len(inputs))
	var wg sync.WaitGroup
	for i := range inputs {
		wg.Go(func() { out[i], errs[i] = askPeer(ctx, r.server, r.out, inputs[i].Method, params[i]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// askPeer sends one server-to-client request (an Input's method and encoded params) on peer, through s's
// outbound middleware, and checks the answer: the client's own error is kept as the client's
// (clientError), anything else is wrapped with the method's name; an answer of the wrong shape is an
// error too.
func askPeer(ctx context.Context, s *Server, peer peerOf, method string, params jsontext.Value) (jsontext.Value, error) {
	res, err := s.callPeer(ctx, peer, method, params)
	if err != nil {
		if err = clientError(method, err); !isClientError(err) {
			err = fmt.Errorf("mcp: %s: %w", method, err)
		}
		return nil, err
	}
	if err := checkAnswer(method, res); err != nil {
		return nil, fmt.Errorf("mcp: %s: %w", method, err)
	}
	return res, nil
}

// askModern answers from the client's inputResponses (or earlier rounds, from requestState) or ends the
// round.
func (r *Request) askModern(inputs []Input, params []jsontext.Value) ([]jsontext.Value, error) {
	ia := r.ia
	if ia == nil {
		err := fmt.Errorf("mcp: %s cannot ask the client for input in protocol %s (only tools/call, prompts/get and resources/read can)", r.Method, r.ProtocolVersion)
		return nil, err
	}
	ia.mu.Lock()
	defer ia.mu.Unlock()
	if ia.err != nil {
		return nil, ia.err
	}
	if ia.pending != nil {
		return nil, ErrInputRequired // an earlier question of this run is still open
	}
	out := make([]jsontext.Value, len(inputs))
	var missing mcp.InputRequests
	for i, in := range inputs {
		key := in.Key
		if key == "" {
			key = autoKey(in.Method, int(ia.seq))
		}
		ia.seq++
		ans, ok := ia.answers[key]
		if !ok {
			if missing == nil {
				missing = mcp.InputRequests{}
			}
			missing[key] = mcp.InputRequest{Method: in.Method, Params: params[i]}
			continue
		}
		if err := checkAnswer(in.Method, ans); err != nil {
			e := invalidParams(fmt.Sprintf("inputResponses[%q] is not a valid %s result: %v", key, in.Method, err))
			ia.err = e
			return nil, e
		}
		if ia.used == nil {
			ia.used = map[string]jsontext.Value{}
		}
		ia.used[key] = ans
		out[i] = ans
	}
	if missing != nil {
		ia.pending = missing
		return nil, ErrInputRequired
	}
	return out, nil
}

func autoKey(method string, seq int) string {
	prefix := "input"
	switch method {
	case mcp.MethodElicitationCreate:
		prefix = "elicit"
	case mcp.MethodSamplingCreateMessage:
		prefix = "sample"
	case mcp.MethodRootsList:
		prefix = "roots"
	}
	return prefix + "-" + strconv.Itoa(seq+1)
}

// checkAnswer checks that an answer has the shape of its method's result.
func checkAnswer(method string, raw jsontext.Value) error {
	if raw.Kind() != '{' {
		return fmt.Errorf("expected a JSON object, got %s", kindWord(raw))
	}
	switch method {
	case mcp.MethodElicitationCreate:
		var res mcp.ElicitResult
		if err := json.Unmarshal(raw, &res); err != nil {
			return errors.New(trimJSONErr(err))
		}
		switch res.Action {
		case mcp.ElicitActionAccept, mcp.ElicitActionDecline, mcp.ElicitActionCancel:
		default:
			return fmt.Errorf("action %q is not accept, decline or cancel", res.Action)
		}
		if len(res.Content) > 0 && res.Content.Kind() != '{' && res.Content.Kind() != 'n' {
			return errors.New("content must be an object")
		}
	case mcp.MethodSamplingCreateMessage:
		var res mcp.CreateMessageResult
		if err := json.Unmarshal(raw, &res); err != nil {
			return errors.New(trimJSONErr(err))
		}
		if res.Role == "" {
			return errors.New("role is missing")
		}
	case mcp.MethodRootsList:
		var res struct {
			Roots *[]mcp.Root `json:"roots"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			return errors.New(trimJSONErr(err))
		}
		if res.Roots == nil {
			return errors.New("roots is missing")
		}
	}
	return nil
}

func kindWord(v jsontext.Value) string {
	switch v.Kind() {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '[':
		return "an array"
	}
	return "nothing"
}

// defaultClientRequestTimeout bounds a legacy server-to-client request when Options leave it zero: long
// enough for a person to answer a form.
const defaultClientRequestTimeout = 10 * time.Minute
