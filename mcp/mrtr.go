package mcp

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Multi round-trip requests (2026-07-28) replace server → client requests. A server that needs input while
// serving tools/call, prompts/get or resources/read answers with an InputRequiredResult; the client gathers
// the input and retries the original request (with a new id) carrying InputResponses and the RequestState it
// was given.

// InputRequest is one request a server needs the client to fulfil: elicitation/create (params ElicitParams),
// sampling/createMessage (CreateMessageParams) or roots/list (ListRootsParams, optional). Params stay raw
// until the client knows Method; use NewInputRequest and DecodeParams.
type InputRequest struct {
	// Method is MethodElicitationCreate, MethodSamplingCreateMessage or MethodRootsList.
	Method string `json:"method"`
	// Params are the request's params.
	Params jsontext.Value `json:"params,omitzero"`
}

// NewInputRequest returns an input request for method with params encoded as JSON (params may be nil).
func NewInputRequest(method string, params any) (InputRequest, error) {
	if params == nil {
		return InputRequest{Method: method}, nil
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return InputRequest{}, err
	}
	return InputRequest{Method: method, Params: raw}, nil
}

// DecodeParams decodes Params into v (a pointer such as *ElicitParams). Absent params leave v unchanged.
func (r InputRequest) DecodeParams(v any) error {
	if len(r.Params) == 0 {
		return nil
	}
	return json.Unmarshal(r.Params, v)
}

// InputRequests maps server-chosen keys to the requests the client must fulfil.
type InputRequests map[string]InputRequest

// InputResponses maps the keys of InputRequests to the client's results: ElicitResult, CreateMessageResult
// or ListRootsResult, kept raw because only the server that asked knows which key holds which.
type InputResponses map[string]jsontext.Value

// InputRequiredResult says that the server needs input before it can complete the request (resultType
// input_required). At least one of InputRequests and RequestState must be set. It carries no cache hints.
type InputRequiredResult struct {
	ResultFields `json:",embed"`
	// InputRequests are the requests the client must fulfil before retrying.
	InputRequests InputRequests `json:"inputRequests,omitzero"`
	// RequestState is opaque to the client, which must echo it unchanged in the retry.
	RequestState string `json:"requestState,omitzero"`
}

// NewInputRequiredResult returns an input_required result asking for reqs (may be nil) and carrying state
// (may be empty, but not both).
func NewInputRequiredResult(reqs InputRequests, state string) *InputRequiredResult {
	return &InputRequiredResult{
		ResultFields:  ResultFields{ResultType: ResultInputRequired},
		InputRequests: reqs,
		RequestState:  state,
	}
}

// AllowsInputRequired reports whether a request method may be answered with an InputRequiredResult
// (2026-07-28): tools/call, prompts/get and resources/read, and nothing else.
func AllowsInputRequired(method string) bool {
	switch method {
	case MethodToolsCall, MethodPromptsGet, MethodResourcesRead:
		return true
	}
	return false
}
