package mcp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// specDir holds the spec's JSON schemas and example messages, copied into the repository (see its README.md;
// scripts/update-spec-testdata.sh refreshes them).
var specDir = filepath.Join("testdata", "spec")

// exampleKind says where in an example file the modelled value sits.
type exampleKind int

const (
	plain         exampleKind = iota // the whole file is the value
	request                          // a request or notification (method + params); params are the value
	response                         // a JSON-RPC result response; result is the value
	errorObject                      // a bare JSON-RPC error object; data is the value
	errorResponse                    // a JSON-RPC error response; error.data is the value
)

// exampleType maps an example directory to the Go type that models it.
type exampleType struct {
	kind   exampleKind
	method string     // request: the expected method
	code   int        // error kinds: the expected code
	newVal func() any // a pointer to a fresh value; nil when there is nothing to decode (no params or data)
	check  func(t *testing.T, v any)
}

func val[T any]() func() any { return func() any { return new(T) } }

func contentOf(typ string) func(*testing.T, any) {
	return func(t *testing.T, v any) {
		if got := v.(*Content).Type; got != typ {
			t.Errorf("Type = %q, want %q", got, typ)
		}
	}
}

// exampleTypes covers every example directory of 2026-07-28.
var exampleTypes = map[string]exampleType{
	"AudioContent":                {kind: plain, newVal: val[Content](), check: contentOf(ContentTypeAudio)},
	"BlobResourceContents":        {kind: plain, newVal: val[ResourceContents](), check: func(t *testing.T, v any) { mustBlob(t, v, true) }},
	"BooleanSchema":               {kind: plain, newVal: val[PrimitiveSchema]()},
	"CallToolRequest":             {kind: request, method: MethodToolsCall, newVal: val[CallToolParams]()},
	"CallToolRequestParams":       {kind: plain, newVal: val[CallToolParams]()},
	"CallToolResult":              {kind: plain, newVal: val[CallToolResult]()},
	"CallToolResultResponse":      {kind: response, newVal: val[CallToolResult]()},
	"CancelledNotification":       {kind: request, method: MethodNotificationCancelled, newVal: val[CancelledParams]()},
	"CancelledNotificationParams": {kind: plain, newVal: val[CancelledParams]()},
	"ClientCapabilities":          {kind: plain, newVal: val[ClientCapabilities]()},
	"CompleteRequest":             {kind: request, method: MethodCompletionComplete, newVal: val[CompleteParams]()},
	"CompleteRequestParams":       {kind: plain, newVal: val[CompleteParams]()},
	"CompleteResult":              {kind: plain, newVal: val[CompleteResult]()},
	"CompleteResultResponse":      {kind: response, newVal: val[CompleteResult]()},
	"CreateMessageRequest":        {kind: request, method: MethodSamplingCreateMessage, newVal: val[CreateMessageParams]()},
	"CreateMessageRequestParams":  {kind: plain, newVal: val[CreateMessageParams]()},
	"CreateMessageResult":         {kind: plain, newVal: val[CreateMessageResult]()},
	"DiscoverRequest":             {kind: request, method: MethodDiscover, newVal: val[DiscoverParams]()},
	"DiscoverResult":              {kind: plain, newVal: val[DiscoverResult]()},
	"DiscoverResultResponse":      {kind: response, newVal: val[DiscoverResult]()},
	"ElicitRequest":               {kind: request, method: MethodElicitationCreate, newVal: val[ElicitParams]()},
	"ElicitRequestFormParams":     {kind: plain, newVal: val[ElicitParams]()},
	"ElicitRequestURLParams":      {kind: plain, newVal: val[ElicitParams]()},
	"ElicitResult":                {kind: plain, newVal: val[ElicitResult]()},
	"EmbeddedResource":            {kind: plain, newVal: val[Content](), check: contentOf(ContentTypeResource)},
	"GetPromptRequest":            {kind: request, method: MethodPromptsGet, newVal: val[GetPromptParams]()},
	"GetPromptRequestParams":      {kind: plain, newVal: val[GetPromptParams]()},
	"GetPromptResult":             {kind: plain, newVal: val[GetPromptResult]()},
	"GetPromptResultResponse":     {kind: response, newVal: val[GetPromptResult]()},
	"HeaderMismatchError":         {kind: errorResponse, code: CodeHeaderMismatch},
	"ImageContent":                {kind: plain, newVal: val[Content](), check: contentOf(ContentTypeImage)},
	"InputRequests":               {kind: plain, newVal: val[InputRequests](), check: checkInputRequests},
	"InputRequiredResult": {kind: plain, newVal: val[InputRequiredResult](), check: func(t *testing.T, v any) {
		r := v.(*InputRequiredResult)
		if r.ResultType != ResultInputRequired {
			t.Errorf("ResultType = %q", r.ResultType)
		}
		checkInputRequests(t, &r.InputRequests)
	}},
	"InputResponses":                      {kind: plain, newVal: val[InputResponses](), check: checkInputResponses},
	"InternalError":                       {kind: errorObject, code: CodeInternalError},
	"InvalidParamsError":                  {kind: errorObject, code: CodeInvalidParams},
	"ListPromptsRequest":                  {kind: request, method: MethodPromptsList, newVal: val[ListPromptsParams]()},
	"ListPromptsResult":                   {kind: plain, newVal: val[ListPromptsResult]()},
	"ListPromptsResultResponse":           {kind: response, newVal: val[ListPromptsResult]()},
	"ListResourceTemplatesRequest":        {kind: request, method: MethodResourcesTemplatesList, newVal: val[ListResourceTemplatesParams]()},
	"ListResourceTemplatesResult":         {kind: plain, newVal: val[ListResourceTemplatesResult]()},
	"ListResourceTemplatesResultResponse": {kind: response, newVal: val[ListResourceTemplatesResult]()},
	"ListResourcesRequest":                {kind: request, method: MethodResourcesList, newVal: val[ListResourcesParams]()},
	"ListResourcesResult":                 {kind: plain, newVal: val[ListResourcesResult]()},
	"ListResourcesResultResponse":         {kind: response, newVal: val[ListResourcesResult]()},
	"ListRootsRequest":                    {kind: request, method: MethodRootsList, newVal: val[ListRootsParams]()},
	"ListRootsResult":                     {kind: plain, newVal: val[ListRootsResult]()},
	"ListToolsRequest":                    {kind: request, method: MethodToolsList, newVal: val[ListToolsParams]()},
	"ListToolsResult":                     {kind: plain, newVal: val[ListToolsResult](), check: checkCacheHints},
	"ListToolsResultResponse":             {kind: response, newVal: val[ListToolsResult]()},
	"LoggingMessageNotification":          {kind: request, method: MethodNotificationMessage, newVal: val[LoggingMessageParams]()},
	"LoggingMessageNotificationParams":    {kind: plain, newVal: val[LoggingMessageParams]()},
	"MethodNotFoundError":                 {kind: errorObject, code: CodeMethodNotFound},
	"MissingRequiredClientCapabilityError": {kind: errorResponse, code: CodeMissingRequiredClientCapability,
		newVal: val[MissingCapabilityData](), check: func(t *testing.T, v any) {
			if !v.(*MissingCapabilityData).RequiredCapabilities.SupportsElicitation(ElicitModeForm) {
				t.Error("requiredCapabilities should name elicitation")
			}
		}},
	"ModelPreferences":                  {kind: plain, newVal: val[ModelPreferences]()},
	"NumberSchema":                      {kind: plain, newVal: val[PrimitiveSchema]()},
	"PaginatedRequestParams":            {kind: plain, newVal: val[PaginatedParams]()},
	"ParseError":                        {kind: errorObject, code: CodeParseError},
	"ProgressNotification":              {kind: request, method: MethodNotificationProgress, newVal: val[ProgressParams]()},
	"ProgressNotificationParams":        {kind: plain, newVal: val[ProgressParams]()},
	"PromptListChangedNotification":     {kind: request, method: MethodNotificationPromptsListChanged, newVal: val[ListChangedParams]()},
	"ReadResourceRequest":               {kind: request, method: MethodResourcesRead, newVal: val[ReadResourceParams]()},
	"ReadResourceResult":                {kind: plain, newVal: val[ReadResourceResult]()},
	"ReadResourceResultResponse":        {kind: response, newVal: val[ReadResourceResult]()},
	"Resource":                          {kind: plain, newVal: val[Resource]()},
	"ResourceLink":                      {kind: plain, newVal: val[Content](), check: contentOf(ContentTypeResourceLink)},
	"ResourceListChangedNotification":   {kind: request, method: MethodNotificationResourcesListChanged, newVal: val[ListChangedParams]()},
	"ResourceUpdatedNotification":       {kind: request, method: MethodNotificationResourceUpdated, newVal: val[ResourceUpdatedParams]()},
	"ResourceUpdatedNotificationParams": {kind: plain, newVal: val[ResourceUpdatedParams]()},
	"Root":                              {kind: plain, newVal: val[Root]()},
	"SamplingMessage":                   {kind: plain, newVal: val[SamplingMessage]()},
	"ServerCapabilities":                {kind: plain, newVal: val[ServerCapabilities]()},
	"StringSchema":                      {kind: plain, newVal: val[PrimitiveSchema]()},
	"SubscriptionsAcknowledgedNotification": {kind: request, method: MethodNotificationSubscriptionsAcknowledged,
		newVal: val[SubscriptionsAcknowledgedParams]()},
	"SubscriptionsListenRequest": {kind: request, method: MethodSubscriptionsListen, newVal: val[SubscriptionsListenParams](),
		check: func(t *testing.T, v any) {
			p := v.(*SubscriptionsListenParams)
			if p.Meta == nil || p.Meta.ProtocolVersion != Version20260728 || p.Meta.ClientCapabilities == nil {
				t.Errorf("_meta not decoded into its typed fields: %+v", p.Meta)
			}
		}},
	"SubscriptionsListenResult": {kind: plain, newVal: val[SubscriptionsListenResult](), check: func(t *testing.T, v any) {
		if m := v.(*SubscriptionsListenResult).Meta; m == nil || string(m.SubscriptionID) != `"listen-1"` {
			t.Errorf("subscriptionId not decoded: %+v", m)
		}
	}},
	"SubscriptionsListenResultResponse": {kind: response, newVal: val[SubscriptionsListenResult]()},
	"TextContent":                       {kind: plain, newVal: val[Content](), check: contentOf(ContentTypeText)},
	"TextResourceContents":              {kind: plain, newVal: val[ResourceContents](), check: func(t *testing.T, v any) { mustBlob(t, v, false) }},
	"TitledMultiSelectEnumSchema":       {kind: plain, newVal: val[PrimitiveSchema]()},
	"TitledSingleSelectEnumSchema":      {kind: plain, newVal: val[PrimitiveSchema]()},
	"Tool":                              {kind: plain, newVal: val[Tool]()},
	"ToolListChangedNotification":       {kind: request, method: MethodNotificationToolsListChanged, newVal: val[ListChangedParams]()},
	"ToolResultContent":                 {kind: plain, newVal: val[Content](), check: contentOf(ContentTypeToolResult)},
	"ToolUseContent":                    {kind: plain, newVal: val[Content](), check: contentOf(ContentTypeToolUse)},
	"UnsupportedProtocolVersionError": {kind: errorResponse, code: CodeUnsupportedProtocolVersion,
		newVal: val[UnsupportedProtocolVersionData](), check: func(t *testing.T, v any) {
			d := v.(*UnsupportedProtocolVersionData)
			if d.Requested != "1900-01-01" || !slices.Contains(d.Supported, Version20260728) {
				t.Errorf("data = %+v", d)
			}
		}},
	"UntitledMultiSelectEnumSchema":  {kind: plain, newVal: val[PrimitiveSchema]()},
	"UntitledSingleSelectEnumSchema": {kind: plain, newVal: val[PrimitiveSchema]()},
}

// skippedExamples lists example directories deliberately not modelled, with the reason. Keep it short.
var skippedExamples = map[string]string{}

// envelope is a JSON-RPC message as the examples write it, for the test only (package mcp knows no framing).
type envelope struct {
	JSONRPC string         `json:"jsonrpc,omitzero"`
	ID      jsontext.Value `json:"id,omitzero"`
	Method  string         `json:"method,omitzero"`
	Params  jsontext.Value `json:"params,omitzero"`
	Result  jsontext.Value `json:"result,omitzero"`
	Error   *errorObj      `json:"error,omitzero"`
}

type errorObj struct {
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Data    jsontext.Value `json:"data,omitzero"`
}

func TestSpecExamplesRoundTrip(t *testing.T) {
	root := filepath.Join(specDir, "examples", Version20260728)
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("spec examples not found at %s (refresh with scripts/update-spec-testdata.sh): %v", root, err)
	}
	seen := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		name := d.Name()
		if reason, ok := skippedExamples[name]; ok {
			t.Logf("skipping %s: %s", name, reason)
			continue
		}
		et, ok := exampleTypes[name]
		if !ok {
			t.Errorf("example directory %s is neither mapped to a Go type nor listed as skipped", name)
			continue
		}
		files, err := filepath.Glob(filepath.Join(root, name, "*.json"))
		if err != nil || len(files) == 0 {
			t.Errorf("%s: no example files (%v)", name, err)
			continue
		}
		for _, f := range files {
			seen++
			t.Run(name+"/"+filepath.Base(f), func(t *testing.T) {
				orig, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				got := roundTripExample(t, et, orig)
				assertSameJSON(t, orig, got)
			})
		}
	}
	for name := range exampleTypes {
		if _, err := os.Stat(filepath.Join(root, name)); err != nil {
			t.Errorf("exampleTypes names %s, which has no example directory", name)
		}
	}
	if seen == 0 {
		t.Fatal("no examples were checked")
	}
}

// roundTripExample decodes the modelled part of an example into its Go type, re-encodes it, and returns the
// whole example with that part replaced.
func roundTripExample(t *testing.T, et exampleType, orig []byte) []byte {
	t.Helper()
	if et.kind == plain {
		return roundTripValue(t, et, orig)
	}
	if et.kind == errorObject {
		var e errorObj
		if err := json.Unmarshal(orig, &e); err != nil {
			t.Fatal(err)
		}
		checkError(t, et, &e)
		return mustMarshal(t, &e)
	}
	var env envelope
	if err := json.Unmarshal(orig, &env); err != nil {
		t.Fatal(err)
	}
	switch et.kind {
	case request:
		if env.Method != et.method {
			t.Errorf("method = %q, want %q", env.Method, et.method)
		}
		if len(env.Params) > 0 {
			env.Params = roundTripValue(t, et, env.Params)
		}
	case response:
		if len(env.Result) == 0 {
			t.Fatal("no result")
		}
		env.Result = roundTripValue(t, et, env.Result)
	case errorResponse:
		if env.Error == nil {
			t.Fatal("no error")
		}
		checkError(t, et, env.Error)
	}
	return mustMarshal(t, &env)
}

func checkError(t *testing.T, et exampleType, e *errorObj) {
	t.Helper()
	if e.Code != et.code {
		t.Errorf("code = %d, want %d", e.Code, et.code)
	}
	if et.newVal != nil {
		if len(e.Data) == 0 {
			t.Fatal("no error data")
		}
		e.Data = roundTripValue(t, et, e.Data)
	}
}

func roundTripValue(t *testing.T, et exampleType, raw []byte) []byte {
	t.Helper()
	v := et.newVal()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode into %T: %v", v, err)
	}
	// Members the types declare must land in typed fields, not in an Extra catch-all (where they would
	// round-trip without being modelled).
	assertNoExtra(t, reflect.ValueOf(v), fmt.Sprintf("%T", v))
	if et.check != nil {
		et.check(t, v)
	}
	return mustMarshal(t, v)
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return b
}

// assertSameJSON fails unless want and got are the same JSON value (member order and spacing aside).
func assertSameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("round trip changed the JSON\nwant: %s\n got: %s", canonical(t, want), canonical(t, got))
	}
}

func canonical(t *testing.T, b []byte) string {
	v := jsontext.Value(bytes.Clone(b))
	if err := v.Canonicalize(); err != nil {
		t.Fatalf("canonicalize: %v", err)
	}
	return string(v)
}

func mustBlob(t *testing.T, v any, want bool) {
	t.Helper()
	if got := v.(*ResourceContents).IsBlob(); got != want {
		t.Errorf("IsBlob() = %v, want %v", got, want)
	}
}

func checkCacheHints(t *testing.T, v any) {
	t.Helper()
	r := v.(*ListToolsResult)
	if ttl, ok := r.TTL(); !ok || ttl.Milliseconds() != 300000 || r.CacheScope != CacheScopePublic {
		t.Errorf("cache hints = %v %v %q", ttl, ok, r.CacheScope)
	}
}

// checkInputRequests decodes every input request's params into its typed params and checks that they
// round-trip too.
func checkInputRequests(t *testing.T, v any) {
	t.Helper()
	reqs := *v.(*InputRequests)
	if len(reqs) == 0 {
		return
	}
	for key, r := range reqs {
		var p any
		switch r.Method {
		case MethodElicitationCreate:
			p = new(ElicitParams)
		case MethodSamplingCreateMessage:
			p = new(CreateMessageParams)
		case MethodRootsList:
			p = new(ListRootsParams)
		default:
			t.Errorf("input request %s: unexpected method %q", key, r.Method)
			continue
		}
		if err := r.DecodeParams(p); err != nil {
			t.Errorf("input request %s: %v", key, err)
			continue
		}
		assertSameJSON(t, r.Params, mustMarshal(t, p))
	}
}

// checkInputResponses decodes every input response into the result type its members imply and checks that
// it round-trips too.
func checkInputResponses(t *testing.T, v any) {
	t.Helper()
	for key, raw := range *v.(*InputResponses) {
		var r any
		switch s := string(raw); {
		case strings.Contains(s, `"action"`):
			r = new(ElicitResult)
		case strings.Contains(s, `"model"`):
			r = new(CreateMessageResult)
		case strings.Contains(s, `"roots"`):
			r = new(ListRootsResult)
		default:
			t.Errorf("input response %s: unrecognised %s", key, raw)
			continue
		}
		if err := json.Unmarshal(raw, r); err != nil {
			t.Errorf("input response %s: %v", key, err)
			continue
		}
		assertSameJSON(t, raw, mustMarshal(t, r))
	}
}

// assertNoExtra fails if any Extra catch-all reachable from v holds members.
func assertNoExtra(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			assertNoExtra(t, v.Elem(), path)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Name == "Extra" && v.Field(i).Len() > 0 {
				t.Errorf("%s.Extra holds undeclared members: %v", path, v.Field(i).MapKeys())
			}
			assertNoExtra(t, v.Field(i), path+"."+f.Name)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw JSON
		}
		for i := 0; i < v.Len(); i++ {
			assertNoExtra(t, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			assertNoExtra(t, it.Value(), fmt.Sprintf("%s[%v]", path, it.Key()))
		}
	}
}
