package mcp

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// TestEncode pins the exact JSON of values whose encoding has a rule beyond the struct tags.
func TestEncode(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"empty text is written", TextContent(""), `{"type":"text","text":""}`},
		{"image", ImageContent([]byte("hi"), "image/png"), `{"type":"image","data":"aGk=","mimeType":"image/png"}`},
		{"empty image keeps required members", Content{Type: ContentTypeAudio}, `{"type":"audio","data":"","mimeType":""}`},
		{"resource link", ResourceLinkContent(Resource{URI: "file:///a", Name: "a", Size: new(int64(0))}),
			`{"type":"resource_link","uri":"file:///a","name":"a","size":0}`},
		{"embedded empty text resource", EmbeddedResourceContent(TextResource("file:///a", "", "")),
			`{"type":"resource","resource":{"uri":"file:///a","text":""}}`},
		{"tool_use without input", ToolUseContent("c1", "f", nil), `{"type":"tool_use","name":"f","id":"c1","input":{}}`},
		{"tool_result without content", ToolResultContent("c1"), `{"type":"tool_result","toolUseId":"c1","content":[]}`},
		{"text resource with empty text", TextResource("u", "text/plain", ""), `{"uri":"u","mimeType":"text/plain","text":""}`},
		{"empty blob stays a blob", BlobResource("u", "", nil), `{"uri":"u","blob":""}`},
		{"blob", BlobResource("u", "", []byte{0xff}), `{"uri":"u","blob":"/w=="}`},
		{"tool without schema", Tool{Name: "t"}, `{"name":"t","inputSchema":{"type":"object"}}`},
		{"tool with schema", Tool{Name: "t", InputSchema: jsontext.Value(`{"type":"object","required":["a"]}`)},
			`{"name":"t","inputSchema":{"type":"object","required":["a"]}}`},
		{"call result defaults", CallToolResult{}, `{"content":[]}`},
		{"call result error", *ErrorResult("boom"), `{"content":[{"type":"text","text":"boom"}],"isError":true}`},
		{"legacy result has no resultType", ListToolsResult{Tools: []Tool{}}, `{"tools":[]}`},
		{"ttl 0 is written", ListToolsResult{CacheHints: NewCacheHints(0, CacheScopePrivate), Tools: []Tool{}},
			`{"ttlMs":0,"cacheScope":"private","tools":[]}`},
		{"negative ttl is clamped", NewCacheHints(-time.Second, CacheScopePublic), `{"ttlMs":0,"cacheScope":"public"}`},
		{"completion", Completion{Values: nil, Total: new(0)}, `{"values":[],"total":0}`},
		{"single sampling block", SamplingBlock(TextContent("a")), `{"type":"text","text":"a"}`},
		{"one block as a list", SamplingBlocks(TextContent("a")), `[{"type":"text","text":"a"}]`},
		{"no blocks", SamplingContent{}, `[]`},
		{"two blocks", SamplingContent{Blocks: []Content{TextContent("a"), TextContent("b")}},
			`[{"type":"text","text":"a"},{"type":"text","text":"b"}]`},
		{"annotations priority 0", Annotations{Priority: new(0.0)}, `{"priority":0}`},
		{"input required", NewInputRequiredResult(nil, "s"), `{"resultType":"input_required","requestState":"s"}`},
		{"capability objects", ServerCapabilities{Tools: &ToolsCapability{}, Logging: &LoggingCapability{}},
			`{"logging":{},"tools":{}}`},
		{"request meta keys", RequestMeta{
			ProgressToken: jsontext.Value(`1`), ProtocolVersion: Version20260728, ClientCapabilities: &ClientCapabilities{},
			ClientInfo: &Implementation{Name: "c", Version: "1"}, LogLevel: LevelInfo,
		}, `{"` + MetaProgressToken + `":1,"` + MetaProtocolVersion + `":"2026-07-28","` + MetaClientCapabilities + `":{},"` +
			MetaClientInfo + `":{"name":"c","version":"1"},"` + MetaLogLevel + `":"info"}`},
		{"result meta keys", ResultMeta{ServerInfo: &Implementation{Name: "s", Version: "1"}, SubscriptionID: jsontext.Value(`"x"`)},
			`{"` + MetaServerInfo + `":{"name":"s","version":"1"},"` + MetaSubscriptionID + `":"x"}`},
		{"notification meta keys", NotificationMeta{SubscriptionID: jsontext.Value(`3`)}, `{"` + MetaSubscriptionID + `":3}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestRoundTrip checks that JSON read into a type is written back unchanged, including members a plain
// encoding would lose.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		in   string
	}{
		{"explicit isError false", new(CallToolResult), `{"content":[],"isError":false}`},
		{"isError true", new(CallToolResult), `{"content":[],"isError":true}`},
		{"explicit hasMore false", new(Completion), `{"values":["a"],"hasMore":false}`},
		{"empty blob", new(ResourceContents), `{"uri":"u","blob":""}`},
		{"empty text", new(ResourceContents), `{"uri":"u","text":""}`},
		{"single block list", new(SamplingMessage), `{"role":"user","content":[{"type":"text","text":"a"}]}`},
		{"unknown result members", new(CallToolResult), `{"content":[],"task":{"taskId":"t"},"x-vendor":1}`},
		{"unknown capabilities", new(ServerCapabilities),
			`{"tasks":{"list":{}},"tools":{"listChanged":true,"x":1},"logging":{"a":[]},"completions":{}}`},
		{"unknown client capabilities", new(ClientCapabilities),
			`{"tasks":{"requests":{}},"roots":{"listChanged":true},"sampling":{"context":{},"tools":{"a":1}},"elicitation":{}}`},
		{"unknown meta keys", new(RequestParams),
			`{"_meta":{"traceparent":"00-abc-def-01","io.modelcontextprotocol/related-task":{"taskId":"t"},"progressToken":"p"}}`},
		{"empty _meta objects", new(Tool), `{"name":"t","inputSchema":{"type":"object"},"_meta":{}}`},
		{"structured content of any type", new(CallToolResult), `{"content":[],"structuredContent":"just a string"}`},
		{"model hint extras", new(ModelHint), `{"name":"x","provider":"y"}`},
		{"url elicitation", new(ElicitParams), `{"mode":"url","message":"m","url":"https://x","elicitationId":"e"}`},
		{"legacy error data", new(URLElicitationRequiredData), `{"elicitations":[{"mode":"url","message":"m","url":"u","elicitationId":"e"}],"retry":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := json.Unmarshal([]byte(tc.in), tc.v); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, []byte(tc.in), out)
		})
	}
}

func TestContentBytes(t *testing.T) {
	data := []byte{0, 1, 2, 250}
	for _, c := range []Content{ImageContent(data, "image/png"), AudioContent(data, "audio/wav")} {
		got, err := c.Bytes()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: Bytes() = %v, %v", c.Type, got, err)
		}
	}
	for _, rc := range []ResourceContents{BlobResource("u", "", data), TextResource("u", "", string(data))} {
		got, err := rc.Bytes()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("IsBlob=%v: Bytes() = %v, %v", rc.IsBlob(), got, err)
		}
	}
	r := Resource{URI: "file:///a", Name: "a", Title: "A", Size: new(int64(3)), Meta: Meta{"k": jsontext.Value(`1`)}}
	if back := ResourceLinkContent(r).AsResource(); back.URI != r.URI || back.Title != r.Title || *back.Size != 3 || len(back.Meta) != 1 {
		t.Errorf("AsResource() = %+v", back)
	}
}

func TestDecodeSamplingContent(t *testing.T) {
	var m SamplingMessage
	if err := json.Unmarshal([]byte(`{"role":"assistant","content":{"type":"text","text":"a"}}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.Content.List || len(m.Content.Blocks) != 1 || m.Content.Blocks[0].Text != "a" {
		t.Errorf("single block decoded as %+v", m.Content)
	}
	if err := json.Unmarshal([]byte(`{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"image","data":"","mimeType":"x"}]}`), &m); err != nil {
		t.Fatal(err)
	}
	if !m.Content.List || len(m.Content.Blocks) != 2 || m.Content.Blocks[1].Type != ContentTypeImage {
		t.Errorf("array decoded as %+v", m.Content)
	}
	if err := json.Unmarshal([]byte(`{"role":"user","content":"text"}`), &m); err == nil {
		t.Error("a string content must not decode")
	}
}

func TestResultTypeAndCacheHints(t *testing.T) {
	if (ResultFields{}).EffectiveType() != ResultComplete {
		t.Error("an absent resultType must read as complete")
	}
	if (ResultFields{ResultType: ResultInputRequired}).EffectiveType() != ResultInputRequired {
		t.Error("EffectiveType must keep a present resultType")
	}
	var h CacheHints
	if _, ok := h.TTL(); ok {
		t.Error("absent ttlMs must report not present")
	}
	h.TTLMs = new(int64(-5))
	if d, ok := h.TTL(); !ok || d != 0 {
		t.Errorf("negative ttlMs = %v, %v; want 0, true", d, ok)
	}
	h = NewCacheHints(90*time.Second+time.Microsecond, CacheScopePublic)
	if d, ok := h.TTL(); !ok || d != 90*time.Second || *h.TTLMs != 90000 {
		t.Errorf("TTL() = %v, %v", d, ok)
	}
}

func TestSupportsElicitation(t *testing.T) {
	for _, tc := range []struct {
		caps            *ClientCapabilities
		form, url, none bool
	}{
		{nil, false, false, false},
		{&ClientCapabilities{}, false, false, false},
		{&ClientCapabilities{Elicitation: &ElicitationCapability{}}, true, false, true},
		{&ClientCapabilities{Elicitation: &ElicitationCapability{URL: JSONObject{}}}, false, true, false},
		{&ClientCapabilities{Elicitation: &ElicitationCapability{Form: JSONObject{}, URL: JSONObject{}}}, true, true, true},
	} {
		if got := tc.caps.SupportsElicitation(ElicitModeForm); got != tc.form {
			t.Errorf("%+v form = %v", tc.caps, got)
		}
		if got := tc.caps.SupportsElicitation(ElicitModeURL); got != tc.url {
			t.Errorf("%+v url = %v", tc.caps, got)
		}
		if got := tc.caps.SupportsElicitation(""); got != tc.none {
			t.Errorf("%+v default mode = %v", tc.caps, got)
		}
	}
	var nilCaps *ClientCapabilities
	if nilCaps.SupportsRoots() || nilCaps.SupportsSampling() || nilCaps.SupportsSamplingTools() {
		t.Error("nil capabilities declare nothing")
	}
	c := &ClientCapabilities{Roots: &RootsCapability{}, Sampling: &SamplingCapability{Tools: JSONObject{}}}
	if !c.SupportsRoots() || !c.SupportsSampling() || !c.SupportsSamplingTools() {
		t.Error("declared capabilities not reported")
	}
}

func TestInputRequest(t *testing.T) {
	in := ElicitParams{Message: "m", RequestedSchema: jsontext.Value(`{"type":"object","properties":{}}`)}
	r, err := NewInputRequest(MethodElicitationCreate, in)
	if err != nil {
		t.Fatal(err)
	}
	var out ElicitParams
	if err := r.DecodeParams(&out); err != nil || out.Message != "m" || !bytes.Equal(out.RequestedSchema, in.RequestedSchema) {
		t.Errorf("DecodeParams = %+v, %v", out, err)
	}
	roots, err := NewInputRequest(MethodRootsList, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(roots); string(b) != `{"method":"roots/list"}` {
		t.Errorf("roots/list input request = %s", b)
	}
	if err := roots.DecodeParams(new(ListRootsParams)); err != nil {
		t.Errorf("absent params: %v", err)
	}
	if _, err := NewInputRequest(MethodSamplingCreateMessage, CreateMessageParams{Metadata: jsontext.Value(`{bad`)}); err == nil {
		t.Error("invalid raw JSON must be reported")
	}
}

func TestMethodNamesAreDistinct(t *testing.T) {
	names := []string{
		MethodInitialize, MethodPing, MethodDiscover, MethodToolsList, MethodToolsCall, MethodResourcesList,
		MethodResourcesTemplatesList, MethodResourcesRead, MethodResourcesSubscribe, MethodResourcesUnsubscribe,
		MethodPromptsList, MethodPromptsGet, MethodCompletionComplete, MethodLoggingSetLevel, MethodSubscriptionsListen,
		MethodSamplingCreateMessage, MethodElicitationCreate, MethodRootsList, MethodTasksGet, MethodTasksResult,
		MethodTasksList, MethodTasksCancel, MethodNotificationInitialized, MethodNotificationCancelled,
		MethodNotificationProgress, MethodNotificationMessage, MethodNotificationResourceUpdated,
		MethodNotificationResourcesListChanged, MethodNotificationToolsListChanged,
		MethodNotificationPromptsListChanged, MethodNotificationRootsListChanged,
		MethodNotificationElicitationComplete, MethodNotificationSubscriptionsAcknowledged,
		MethodNotificationTasksStatus,
	}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(names) {
		t.Error("two method constants share a name")
	}
}
