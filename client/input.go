package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// defaultMaxInputRounds bounds the input_required rounds of one call when Options leave it zero.
const defaultMaxInputRounds = 10

// maxInputRounds is Options.MaxInputRounds or its default.
func (s *Session) maxInputRounds() int {
	if s.opts.MaxInputRounds <= 0 {
		return defaultMaxInputRounds
	}
	return s.opts.MaxInputRounds
}

// driveInput answers the server's input requests with the session's handlers and retries the call with
// the answers and the echoed requestState, round after round, until the server completes it. params are
// the call's own params (without _meta).
func (s *Session) driveInput(ctx context.Context, method string, params []byte, token string, tasks bool, res jsontext.Value) (jsontext.Value, error) {
	max := s.maxInputRounds()
	for round := 1; ; round++ {
		if round > max {
			return nil, fmt.Errorf("client: %s still needs input after %d rounds", method, max)
		}
		var ir mcp.InputRequiredResult
		if err := json.Unmarshal(res, &ir); err != nil {
			return nil, fmt.Errorf("client: decoding input_required result: %w", err)
		}
		if len(ir.InputRequests) == 0 && ir.RequestState == "" {
			return nil, errors.New("client: the server answered input_required with neither inputRequests nor requestState")
		}
		responses := make(map[string]jsontext.Value, len(ir.InputRequests))
		for key, req := range ir.InputRequests {
			ans, err := s.answer(ctx, req.Method, req.Params)
			if err != nil {
				return nil, fmt.Errorf("client: input request %q (%s): %w", key, req.Method, err)
			}
			responses[key] = ans
		}
		retry, err := withInputs(params, responses, ir.RequestState)
		if err != nil {
			return nil, err
		}
		if res, err = s.roundTrip(ctx, method, retry, token, tasks); err != nil {
			return nil, err
		}
		switch err := checkResultType(res); err {
		case ErrInputRequired:
		case errTaskResult:
			return acceptTask(method, tasks, res)
		case nil:
			return res, nil
		default:
			return nil, err
		}
	}
}

// answer serves one server-to-client request with the session's handlers (both eras).
func (s *Session) answer(ctx context.Context, method string, params jsontext.Value) (jsontext.Value, error) {
	o := &s.opts
	if len(params) == 0 {
		params = jsontext.Value(`{}`)
	}
	switch method {
	case mcp.MethodElicitationCreate:
		if o.OnElicit == nil {
			return nil, noHandler(method)
		}
		var p mcp.ElicitParams
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, invalidParams(err)
		}
		res, err := o.OnElicit(ctx, &p)
		if err != nil {
			return nil, err
		}
		if res == nil {
			res = &mcp.ElicitResult{Action: mcp.ElicitActionCancel}
		}
		return json.Marshal(res)
	case mcp.MethodSamplingCreateMessage:
		if o.OnSample == nil {
			return nil, noHandler(method)
		}
		var p mcp.CreateMessageParams
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, invalidParams(err)
		}
		res, err := o.OnSample(ctx, &p)
		if err != nil {
			return nil, err
		}
		if res == nil {
			return nil, errors.New("client: the sampling handler returned no message")
		}
		return json.Marshal(res)
	case mcp.MethodRootsList:
		roots, err := s.roots(ctx)
		if err != nil {
			return nil, err
		}
		if roots == nil {
			roots = []mcp.Root{}
		}
		return json.Marshal(&mcp.ListRootsResult{Roots: roots})
	}
	return nil, &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: "method not found: " + method}
}

func noHandler(method string) error {
	return &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: "this client has no handler for " + method}
}

func invalidParams(err error) error {
	return &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: "invalid params: " + err.Error()}
}

// withInputs returns params (a JSON object) with inputResponses and requestState set (replacing any
// earlier round's).
func withInputs(params []byte, responses map[string]jsontext.Value, state string) ([]byte, error) {
	var members map[string]jsontext.Value
	if err := json.Unmarshal(params, &members); err != nil {
		return nil, fmt.Errorf("client: params are not an object: %w", err)
	}
	if members == nil {
		members = map[string]jsontext.Value{}
	}
	delete(members, "requestState")
	delete(members, "inputResponses")
	if len(responses) > 0 {
		raw, err := json.Marshal(responses)
		if err != nil {
			return nil, err
		}
		members["inputResponses"] = raw
	}
	if state != "" {
		raw, _ := json.Marshal(state)
		members["requestState"] = raw
	}
	return json.Marshal(members, json.Deterministic(true))
}
