package mcp

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The values validated by TestValuesMatchSpecSchemas: for each spec definition, a representative value per
// protocol version, built with only the members that version knows.

var (
	allVersions    = SupportedVersions
	legacyVersions = LegacyVersions
	modernVersions = ModernVersions
)

// since returns the supported versions from min on.
func since(min string) []string {
	var out []string
	for _, v := range SupportedVersions {
		if AtLeast(v, min) {
			out = append(out, v)
		}
	}
	return out
}

// finish sets what a server sets on every result of version v.
func finish(v string, f *ResultFields) {
	if HasResultType(v) {
		f.ResultType = ResultComplete
		f.Meta = &ResultMeta{ServerInfo: &Implementation{Name: "srv", Version: "1.0.0"}}
	}
}

func cache(v string, h *CacheHints) {
	if HasCacheHints(v) {
		*h = NewCacheHints(0, CacheScopePublic) // ttlMs 0 must still be written
	}
}

// meta returns the request _meta version v needs.
func meta(v string) *RequestMeta {
	if EraOf(v) == EraModern {
		return &RequestMeta{
			ProtocolVersion:    v,
			ClientCapabilities: &ClientCapabilities{Elicitation: &ElicitationCapability{}},
			ClientInfo:         &Implementation{Name: "cli", Version: "0.1"},
			LogLevel:           LevelWarning,
			ProgressToken:      jsontext.Value(`7`),
		}
	}
	return &RequestMeta{ProgressToken: jsontext.Value(`"tok"`)}
}

func impl(v string) Implementation {
	i := Implementation{Name: "demo", Version: "1.2.3"}
	if HasTitles(v) {
		i.Title = "Demo"
	}
	if HasIcons(v) {
		i.Description = "a demo"
		i.WebsiteURL = "https://example.com"
		i.Icons = []Icon{{Src: "https://example.com/i.png", MimeType: "image/png", Sizes: []string{"48x48"}, Theme: IconThemeDark}}
	}
	return i
}

func serverCaps(v string) ServerCapabilities {
	c := ServerCapabilities{
		Tools:        &ToolsCapability{ListChanged: true},
		Resources:    &ResourcesCapability{Subscribe: true, ListChanged: true},
		Prompts:      &PromptsCapability{},
		Logging:      &LoggingCapability{},
		Experimental: map[string]jsontext.Value{"x": jsontext.Value(`{"on":true}`)},
	}
	if HasCompletionsCapability(v) {
		c.Completions = &CompletionsCapability{}
	}
	if EraOf(v) == EraModern {
		c.Extensions = map[string]jsontext.Value{"io.modelcontextprotocol/tasks": jsontext.Value(`{}`)}
	}
	return c
}

func clientCaps(v string) ClientCapabilities {
	c := ClientCapabilities{Roots: &RootsCapability{ListChanged: EraOf(v) == EraLegacy}, Sampling: &SamplingCapability{}}
	if HasElicitation(v) {
		c.Elicitation = &ElicitationCapability{}
	}
	if HasURLElicitation(v) {
		c.Elicitation = &ElicitationCapability{Form: JSONObject{}, URL: JSONObject{}}
		c.Sampling = &SamplingCapability{Tools: JSONObject{}, Context: JSONObject{}}
	}
	return c
}

func annotations(v string) *Annotations {
	a := &Annotations{Audience: []Role{RoleUser, RoleAssistant}, Priority: new(0.0)}
	if HasTitles(v) {
		a.LastModified = "2025-01-12T15:00:58Z"
	}
	return a
}

func tool(v string) Tool {
	t := Tool{Name: "add", Description: "Add numbers", InputSchema: jsontext.Value(`{"type":"object","properties":{"a":{"type":"number"}}}`)}
	if HasToolAnnotations(v) {
		t.Annotations = &ToolAnnotations{Title: "Add", ReadOnlyHint: new(true), DestructiveHint: new(false), OpenWorldHint: new(false)}
	}
	if HasStructuredContent(v) {
		t.Title = "Adder"
		t.OutputSchema = jsontext.Value(`{"type":"object","properties":{"sum":{"type":"number"}}}`)
		t.Meta = Meta{"com.example/x": jsontext.Value(`1`)}
	}
	if HasIcons(v) {
		t.Icons = impl(v).Icons
	}
	return t
}

func resource(v string) Resource {
	r := Resource{URI: "file:///a.txt", Name: "a.txt", MimeType: "text/plain", Size: new(int64(0)), Annotations: annotations(v)}
	if HasTitles(v) {
		r.Title = "A"
	}
	if HasIcons(v) {
		r.Icons = impl(v).Icons
	}
	return r
}

// content returns one block of every content type version v knows.
func content(v string) []Content {
	cs := []Content{TextContent(""), ImageContent([]byte{1, 2, 3}, "image/png"),
		EmbeddedResourceContent(TextResource("file:///a.txt", "text/plain", "")),
		EmbeddedResourceContent(BlobResource("file:///b.bin", "", nil))}
	cs[1].Annotations = annotations(v)
	if HasAudioContent(v) {
		cs = append(cs, AudioContent([]byte("RIFF"), "audio/wav"))
	}
	if HasResourceLinks(v) {
		cs = append(cs, ResourceLinkContent(resource(v)))
	}
	return cs
}

type schemaCase struct {
	name     string   // the spec definition
	versions []string // the versions to validate against
	build    func(v string) any
	invalid  bool // the value must NOT validate (proves the check can fail)
}

var schemaCases = []schemaCase{
	{"InitializeRequest", legacyVersions, func(v string) any {
		return req(MethodInitialize, InitializeParams{ProtocolVersion: v, Capabilities: clientCaps(v), ClientInfo: impl(v)})
	}, false},
	{"InitializeResult", legacyVersions, func(v string) any {
		return InitializeResult{ProtocolVersion: Negotiate(v), Capabilities: serverCaps(v), ServerInfo: impl(v), Instructions: "be nice"}
	}, false},
	{"InitializedNotification", legacyVersions, func(v string) any { return note(MethodNotificationInitialized, nil) }, false},
	{"PingRequest", legacyVersions, func(v string) any { return req(MethodPing, nil) }, false},
	{"DiscoverRequest", modernVersions, func(v string) any { return req(MethodDiscover, DiscoverParams{Meta: meta(v)}) }, false},
	{"DiscoverResult", modernVersions, func(v string) any {
		r := DiscoverResult{SupportedVersions: SupportedVersions, Capabilities: serverCaps(v), Instructions: "hi"}
		finish(v, &r.ResultFields)
		r.CacheHints = NewCacheHints(3600e6, CacheScopePublic)
		return r
	}, false},
	{"DiscoverResult", modernVersions, func(v string) any { // no cache hints, no resultType
		return DiscoverResult{SupportedVersions: SupportedVersions, Capabilities: serverCaps(v)}
	}, true},
	{"ServerCapabilities", allVersions, func(v string) any { return serverCaps(v) }, false},
	{"ClientCapabilities", allVersions, func(v string) any { return clientCaps(v) }, false},
	{"ListToolsRequest", allVersions, func(v string) any {
		return req(MethodToolsList, ListToolsParams{Meta: meta(v), Cursor: "c1"})
	}, false},
	{"ListToolsResult", allVersions, func(v string) any {
		r := ListToolsResult{Tools: []Tool{tool(v), {Name: "bare"}}, NextCursor: "c2"}
		finish(v, &r.ResultFields)
		cache(v, &r.CacheHints)
		return r
	}, false},
	{"ListToolsResult", modernVersions, func(v string) any { // resultType but no cache hints
		r := ListToolsResult{Tools: []Tool{tool(v)}}
		finish(v, &r.ResultFields)
		return r
	}, true},
	{"CallToolRequest", allVersions, func(v string) any {
		p := CallToolParams{Meta: meta(v), Name: "add", Arguments: jsontext.Value(`{"a":1}`)}
		if EraOf(v) == EraModern {
			p.InputResponses = InputResponses{"k": jsontext.Value(`{"action":"decline"}`)}
			p.RequestState = "opaque"
		}
		return req(MethodToolsCall, p)
	}, false},
	{"CallToolRequest", modernVersions, func(v string) any { // no _meta
		return req(MethodToolsCall, CallToolParams{Name: "add"})
	}, true},
	{"CallToolResult", allVersions, func(v string) any {
		r := CallToolResult{Content: content(v), IsError: true}
		if HasStructuredContent(v) {
			r.StructuredContent = jsontext.Value(`{"sum":3}`)
		}
		finish(v, &r.ResultFields)
		return r
	}, false},
	{"CallToolResult", modernVersions, func(v string) any { // any JSON value is allowed since 2026-07-28
		r := CallToolResult{StructuredContent: jsontext.Value(`[1,2]`)}
		finish(v, &r.ResultFields)
		return r
	}, false},
	{"CallToolResult", since(Version20250618)[1:], func(v string) any { // only objects before 2026-07-28
		return CallToolResult{StructuredContent: jsontext.Value(`[1,2]`)}
	}, true},
	{"CallToolResult", modernVersions, func(v string) any { return CallToolResult{} }, true}, // no resultType
	{"ListResourcesResult", allVersions, func(v string) any {
		r := ListResourcesResult{Resources: []Resource{resource(v)}}
		finish(v, &r.ResultFields)
		cache(v, &r.CacheHints)
		return r
	}, false},
	{"ListResourceTemplatesResult", allVersions, func(v string) any {
		rt := ResourceTemplate{URITemplate: "file:///{path}", Name: "files", MimeType: "text/plain", Annotations: annotations(v)}
		if HasIcons(v) {
			rt.Title, rt.Icons = "Files", impl(v).Icons
		}
		r := ListResourceTemplatesResult{ResourceTemplates: []ResourceTemplate{rt}}
		finish(v, &r.ResultFields)
		cache(v, &r.CacheHints)
		return r
	}, false},
	{"ReadResourceRequest", allVersions, func(v string) any {
		return req(MethodResourcesRead, ReadResourceParams{Meta: meta(v), URI: "file:///a.txt"})
	}, false},
	{"ReadResourceResult", allVersions, func(v string) any {
		r := ReadResourceResult{Contents: []ResourceContents{TextResource("file:///a.txt", "text/plain", ""), BlobResource("file:///b", "", []byte{0})}}
		finish(v, &r.ResultFields)
		cache(v, &r.CacheHints)
		if EraOf(v) == EraModern {
			r.CacheScope = CacheScopePrivate
		}
		return r
	}, false},
	{"SubscribeRequest", legacyVersions, func(v string) any {
		return req(MethodResourcesSubscribe, SubscribeParams{Meta: meta(v), URI: "file:///a.txt"})
	}, false},
	{"ResourceUpdatedNotification", allVersions, func(v string) any {
		p := ResourceUpdatedParams{URI: "file:///a.txt"}
		if EraOf(v) == EraModern {
			p.Meta = &NotificationMeta{SubscriptionID: jsontext.Value(`"s1"`)}
		}
		return note(MethodNotificationResourceUpdated, p)
	}, false},
	{"ToolListChangedNotification", allVersions, func(v string) any {
		return note(MethodNotificationToolsListChanged, ListChangedParams{})
	}, false},
	{"ListPromptsResult", allVersions, func(v string) any {
		p := Prompt{Name: "review", Description: "Review code", Arguments: []PromptArgument{{Name: "code", Required: true}}}
		if HasIcons(v) {
			p.Title, p.Icons = "Review", impl(v).Icons
		}
		r := ListPromptsResult{Prompts: []Prompt{p}}
		finish(v, &r.ResultFields)
		cache(v, &r.CacheHints)
		return r
	}, false},
	{"GetPromptRequest", allVersions, func(v string) any {
		return req(MethodPromptsGet, GetPromptParams{Meta: meta(v), Name: "review", Arguments: map[string]string{"code": "x"}})
	}, false},
	{"GetPromptResult", allVersions, func(v string) any {
		r := GetPromptResult{Description: "d"}
		for _, c := range content(v) {
			r.Messages = append(r.Messages, PromptMessage{Role: RoleUser, Content: c})
		}
		finish(v, &r.ResultFields)
		return r
	}, false},
	{"CompleteRequest", allVersions, func(v string) any {
		p := CompleteParams{Meta: meta(v), Ref: CompletionReference{Type: RefTypeResource, URI: "file:///{path}"},
			Argument: CompletionArgument{Name: "path", Value: "sr"}}
		if HasTitles(v) {
			p.Context = &CompletionContext{Arguments: map[string]string{"a": "b"}}
		}
		return req(MethodCompletionComplete, p)
	}, false},
	{"CompleteResult", allVersions, func(v string) any {
		r := CompleteResult{Completion: Completion{Values: []string{"src"}, Total: new(0), HasMore: true}}
		finish(v, &r.ResultFields)
		return r
	}, false},
	{"SetLevelRequest", legacyVersions, func(v string) any {
		return req(MethodLoggingSetLevel, SetLevelParams{Level: LevelNotice})
	}, false},
	{"LoggingMessageNotification", allVersions, func(v string) any {
		return note(MethodNotificationMessage, LoggingMessageParams{Level: LevelError, Logger: "db", Data: jsontext.Value(`{"e":1}`)})
	}, false},
	{"ProgressNotification", allVersions, func(v string) any {
		p := ProgressParams{ProgressToken: jsontext.Value(`"tok"`), Progress: 0, Total: new(10.0)}
		if HasAudioContent(v) { // message arrived with 2025-03-26
			p.Message = "working"
		}
		return note(MethodNotificationProgress, p)
	}, false},
	{"CancelledNotification", allVersions, func(v string) any {
		return note(MethodNotificationCancelled, CancelledParams{RequestID: jsontext.Value(`12`), Reason: "user"})
	}, false},
	{"CreateMessageRequest", allVersions, func(v string) any {
		p := CreateMessageParams{
			Messages:         []SamplingMessage{{Role: RoleUser, Content: SamplingBlock(TextContent("hi"))}},
			ModelPreferences: &ModelPreferences{Hints: []ModelHint{{Name: "claude"}}, CostPriority: new(0.0)},
			SystemPrompt:     "sys", IncludeContext: IncludeContextNone, Temperature: new(0.0), MaxTokens: 100,
			StopSequences: []string{"\n"}, Metadata: jsontext.Value(`{}`),
		}
		if HasSamplingTools(v) {
			p.Tools = []Tool{tool(v)}
			p.ToolChoice = &ToolChoice{Mode: ToolChoiceAuto}
			p.Messages = append(p.Messages,
				SamplingMessage{Role: RoleAssistant, Content: SamplingBlocks(ToolUseContent("c1", "add", nil))},
				SamplingMessage{Role: RoleUser, Content: SamplingBlocks(ToolResultContent("c1", TextContent("3")))})
		}
		if EraOf(v) == EraModern {
			r, err := NewInputRequest(MethodSamplingCreateMessage, p)
			if err != nil {
				panic(err)
			}
			return r
		}
		return req(MethodSamplingCreateMessage, p)
	}, false},
	{"CreateMessageResult", allVersions, func(v string) any {
		r := CreateMessageResult{Role: RoleAssistant, Content: SamplingBlock(TextContent("Paris")), Model: "m", StopReason: StopReasonEndTurn}
		if HasSamplingTools(v) {
			r.Content = SamplingBlocks(ToolUseContent("c1", "add", jsontext.Value(`{"a":1}`)))
			r.StopReason = StopReasonToolUse
		}
		return r
	}, false},
	{"ElicitRequest", since(Version20250618), func(v string) any {
		p := ElicitParams{Message: "Name?", RequestedSchema: jsontext.Value(`{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`)}
		if HasURLElicitation(v) {
			p.Mode = ElicitModeForm
		}
		if EraOf(v) == EraModern {
			return InputRequest{Method: MethodElicitationCreate, Params: mustJSON(p)}
		}
		return req(MethodElicitationCreate, p)
	}, false},
	{"ElicitRequest", since(Version20251125), func(v string) any {
		p := ElicitParams{Mode: ElicitModeURL, Message: "Log in", URL: "https://example.com/login"}
		if v == Version20251125 {
			p.ElicitationID = "e1"
			return req(MethodElicitationCreate, p)
		}
		return InputRequest{Method: MethodElicitationCreate, Params: mustJSON(p)}
	}, false},
	{"ElicitResult", since(Version20250618), func(v string) any {
		if !HasURLElicitation(v) { // string arrays (multi-select) arrived with 2025-11-25
			return ElicitResult{Action: ElicitActionAccept, Content: jsontext.Value(`{"name":"octocat","n":3,"ok":true}`)}
		}
		return ElicitResult{Action: ElicitActionAccept, Content: jsontext.Value(`{"name":"octocat","n":3,"ok":true,"tags":["a"]}`)}
	}, false},
	{"ElicitResult", []string{Version20250618}, func(v string) any { // no string arrays before 2025-11-25
		return ElicitResult{Action: ElicitActionAccept, Content: jsontext.Value(`{"tags":["a"]}`)}
	}, true},
	{"ListRootsResult", allVersions, func(v string) any {
		return ListRootsResult{Roots: []Root{{URI: "file:///home/u", Name: "home"}}}
	}, false},
	{"InputRequiredResult", modernVersions, func(v string) any {
		el, _ := NewInputRequest(MethodElicitationCreate, ElicitParams{Message: "Name?", RequestedSchema: jsontext.Value(`{"type":"object","properties":{}}`)})
		roots, _ := NewInputRequest(MethodRootsList, nil)
		r := NewInputRequiredResult(InputRequests{"name": el, "roots": roots}, "state-1")
		r.Meta = &ResultMeta{ServerInfo: &Implementation{Name: "srv", Version: "1"}}
		return r
	}, false},
	{"InputRequiredResult", modernVersions, func(v string) any { return InputRequiredResult{RequestState: "s"} }, true}, // no resultType
	{"SubscriptionsListenRequest", modernVersions, func(v string) any {
		return req(MethodSubscriptionsListen, SubscriptionsListenParams{Meta: meta(v),
			Notifications: SubscriptionFilter{ToolsListChanged: true, ResourceSubscriptions: []string{"file:///a"}}})
	}, false},
	{"SubscriptionsListenResult", modernVersions, func(v string) any {
		r := SubscriptionsListenResult{}
		finish(v, &r.ResultFields)
		r.Meta.SubscriptionID = jsontext.Value(`1`)
		return r
	}, false},
	{"SubscriptionsListenResult", modernVersions, func(v string) any { // no subscriptionId
		r := SubscriptionsListenResult{}
		finish(v, &r.ResultFields)
		return r
	}, true},
	{"SubscriptionsAcknowledgedNotification", modernVersions, func(v string) any {
		return note(MethodNotificationSubscriptionsAcknowledged, SubscriptionsAcknowledgedParams{
			Meta: &NotificationMeta{SubscriptionID: jsontext.Value(`1`)}, Notifications: SubscriptionFilter{ToolsListChanged: true}})
	}, false},
	{"UnsupportedProtocolVersionError", modernVersions, func(v string) any {
		return rpcErr(CodeUnsupportedProtocolVersion, "Unsupported protocol version",
			UnsupportedProtocolVersionData{Supported: SupportedVersions, Requested: "1900-01-01"})
	}, false},
	{"MissingRequiredClientCapabilityError", modernVersions, func(v string) any {
		return rpcErr(CodeMissingRequiredClientCapability, "needs elicitation",
			MissingCapabilityData{RequiredCapabilities: ClientCapabilities{Elicitation: &ElicitationCapability{}}})
	}, false},
	{"HeaderMismatchError", modernVersions, func(v string) any {
		return rpcErr(CodeHeaderMismatch, "Header mismatch", nil)
	}, false},
	{"URLElicitationRequiredError", []string{Version20251125}, func(v string) any {
		return rpcErr(CodeURLElicitationRequired, "needs login", URLElicitationRequiredData{
			Elicitations: []ElicitParams{{Mode: ElicitModeURL, Message: "Log in", URL: "https://example.com", ElicitationID: "e1"}}})
	}, false},
}

func mustJSON(v any) jsontext.Value {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
