package badinput

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// template is a valid request whose every member gets replaced by values of the wrong type.
type template struct {
	method, params string
	// optional members (paths like "params.cursor") may be null: null means absent there.
	optional                      []string
	legacyOnly, modernOnly, fresh bool
}

func templates() []template {
	return []template{
		{method: "initialize", params: `{"protocolVersion":"2025-11-25","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"c","version":"1"}}`,
			legacyOnly: true, fresh: true, optional: []string{"params.capabilities.roots", "params.capabilities.roots.listChanged"}},
		{method: "tools/call", params: `{"name":"add","arguments":{"a":1,"b":2}}`, optional: []string{"params.arguments"}},
		{method: "tools/list", params: `{"cursor":"bm9wZQ"}`, optional: []string{"params.cursor", "params"}},
		{method: "resources/read", params: `{"uri":"greeting://bob"}`},
		{method: "prompts/get", params: `{"name":"greet","arguments":{"name":"bob"}}`, optional: []string{"params.arguments"}},
		{method: "completion/complete", params: `{"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"name","value":"b"},"context":{"arguments":{"x":"y"}}}`,
			optional: []string{"params.context", "params.context.arguments"}},
		{method: "logging/setLevel", params: `{"level":"info"}`, legacyOnly: true},
		{method: "subscriptions/listen", params: `{"notifications":{"toolsListChanged":true,"resourceSubscriptions":["greeting://bob"]}}`, modernOnly: true,
			optional: []string{"params.notifications.toolsListChanged", "params.notifications.resourceSubscriptions"}},
		// Task methods (no task exists: every case is an error, and never a 5xx, a panic or a hang).
		{method: "tasks/get", params: `{"taskId":"` + unknownTaskID + `"}`, legacyOnly: true},
		{method: "tasks/result", params: `{"taskId":"` + unknownTaskID + `"}`, legacyOnly: true},
		{method: "tasks/cancel", params: `{"taskId":"` + unknownTaskID + `"}`, legacyOnly: true},
		{method: "tasks/list", params: `{"cursor":"bm9wZQ"}`, legacyOnly: true, optional: []string{"params.cursor", "params"}},
		{method: "tasks/get", params: `{"_meta":` + taskExtMeta + `,"taskId":"` + unknownTaskID + `"}`, modernOnly: true},
		{method: "tasks/cancel", params: `{"_meta":` + taskExtMeta + `,"taskId":"` + unknownTaskID + `"}`, modernOnly: true},
		{method: "tasks/update", params: `{"_meta":` + taskExtMeta + `,"taskId":"` + unknownTaskID + `","inputResponses":{"k":{"action":"accept","content":{"a":1}}}}`,
			modernOnly: true, optional: []string{"params.inputResponses"}},
	}
}

// unknownTaskID has the shape of a task id and names no task.
const unknownTaskID = "0123456789abcdef0123456789abcdef"

// taskExtMeta is the _meta of a 2026-07-28 request declaring the tasks extension (tasks/* need it).
const taskExtMeta = `{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}`

// wrongValues are the replacement values, by JSON kind.
var wrongValues = []string{`null`, `true`, `7`, `-1.5`, `"s"`, `[]`, `[1]`, `{}`}

func kindOf(raw string) byte {
	switch raw[0] {
	case 'n':
		return 'n'
	case 't', 'f':
		return 't'
	case '"':
		return '"'
	case '[':
		return '['
	case '{':
		return '{'
	}
	return '0'
}

// wrongTypes replaces each member of each template (jsonrpc, id, method, params and every member below
// params, _meta members in the modern era) with every value of another kind.
func wrongTypes(e era) []*kase {
	var ks []*kase
	for _, tm := range templates() {
		if (tm.legacyOnly && e == modern) || (tm.modernOnly && e == legacy) {
			continue
		}
		params := tm.params
		if e == modern {
			params = withMeta(params)
		}
		msg := `{"jsonrpc":"2.0","id":50,"method":` + quote(tm.method) + `,"params":` + params + `}`
		var root any
		if err := json.Unmarshal([]byte(msg), &root); err != nil {
			panic(err)
		}
		for _, path := range paths(root, "") {
			if path == "id" {
				continue // the ids class covers ids
			}
			orig := rawAt(root, path)
			for _, w := range wrongValues {
				if kindOf(w) == kindOf(orig) && w != `null` {
					continue
				}
				want := wantError
				if w == `null` && (contains(tm.optional, path) || kindOf(orig) == 'n') {
					want = wantAnswer
				}
				if strings.HasPrefix(path, "params._meta.") && e == modern && !strings.Contains(path, "protocolVersion") {
					want = wantAnswer // unknown or capability members: the server may ignore them
				}
				body := replaceAt(root, path, w)
				body = bytes.Replace(body, []byte(`"id":50`), []byte(fmt.Sprintf(`"id":%d`, 100_000+len(ks))), 1)
				ks = append(ks, &kase{class: "wrong-types", name: tm.method + ":" + path + "=" + w, body: body, want: want, fresh: tm.fresh})
			}
		}
	}
	return ks
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// paths lists the dotted paths of every member of every object under v (array elements are not walked).
func paths(v any, prefix string) []string {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out = append(out, p)
		if !strings.Contains(k, ".") {
			out = append(out, paths(obj[k], p)...)
		}
	}
	return out
}

func split(path string) []string {
	// _meta keys contain dots and slashes: "params._meta.io.modelcontextprotocol/protocolVersion".
	if i := strings.Index(path, "._meta."); i >= 0 {
		return append(strings.Split(path[:i], "."), "_meta", path[i+len("._meta."):])
	}
	return strings.Split(path, ".")
}

func rawAt(root any, path string) string {
	v := root
	for _, k := range split(path) {
		v = v.(map[string]any)[k]
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func replaceAt(root any, path, raw string) []byte {
	b, _ := json.Marshal(root)
	var cp any
	_ = json.Unmarshal(b, &cp)
	keys := split(path)
	v := cp
	for _, k := range keys[:len(keys)-1] {
		v = v.(map[string]any)[k]
	}
	v.(map[string]any)[keys[len(keys)-1]] = json.RawMessage(raw)
	out, err := json.Marshal(cp)
	if err != nil {
		panic(err)
	}
	return out
}

func idCases(e era) []*kase {
	var ks []*kase
	c := func(name, id string, want expect, echo bool) {
		k := &kase{class: "ids", name: name, body: req(e, id, "tools/call", `{"name":"add","arguments":{"a":1,"b":2}}`), want: want}
		if echo {
			k.id = id
		}
		ks = append(ks, k)
	}
	c("null", `null`, wantError, false)
	c("true", `true`, wantError, false)
	c("false", `false`, wantError, false)
	c("object", `{"a":1}`, wantError, false)
	c("array", `[1]`, wantError, false)
	c("empty-array", `[]`, wantError, false)
	c("float", `1.5`, wantAnswer, true)
	c("exponent", `1e3`, wantAnswer, true)
	c("tiny-exponent", `1e-400`, wantAnswer, true)
	c("negative-zero", `-0`, wantAnswer, true)
	c("int64-max", `9223372036854775807`, wantAnswer, true)
	c("int64-min-minus-1", `-9223372036854775809`, wantAnswer, true)
	c("huge-int", `123456789012345678901234567890123456789`, wantAnswer, true)
	c("huge-exponent", `1e999`, wantAnswer, true)
	c("zero", `0`, wantAnswer, true)
	c("negative", `-7`, wantAnswer, true)
	c("empty-string", `""`, wantAnswer, true)
	c("unicode-string", `"ïd-😀"`, wantAnswer, true)
	c("escaped-string", `"a\u0000b\"c"`, wantAnswer, true)
	// Duplicate id in flight: a hold call is running under the same id when the second request arrives.
	for _, id := range []string{`77`, `"dup"`} {
		ks = append(ks, &kase{class: "ids", name: "duplicate-in-flight-" + strings.Trim(id, `"`), id: id, want: wantAnswer,
			body: req(e, id, "tools/call", `{"name":"add","arguments":{"a":1,"b":2}}`), hold: "dup-" + strings.Trim(id, `"`)})
	}
	return ks
}

func batchCases(e era) []*kase {
	var ks []*kase
	c := func(name string, body []byte, want expect) {
		ks = append(ks, &kase{class: "batches", name: name, body: body, want: want})
	}
	join := func(n int, f func(i int) []byte) []byte {
		var b bytes.Buffer
		b.WriteByte('[')
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(f(i))
		}
		b.WriteByte(']')
		return b.Bytes()
	}
	c("empty", []byte(`[]`), wantError)
	c("empty-spaced", []byte(` [ ] `), wantError)
	c("one", join(1, func(i int) []byte { return addCall(e, "61") }), wantAnswer)
	c("1000-calls", join(1000, func(i int) []byte { return addCall(e, fmt.Sprint(10_000+i)) }), wantAnswer)
	c("1000-numbers", join(1000, func(i int) []byte { return []byte("1") }), wantError)
	c("nested", []byte(`[[]]`), wantError)
	c("nested-call", []byte(`[`+string(join(1, func(int) []byte { return addCall(e, "62") }))+`]`), wantError)
	c("garbage-items", []byte(`[1,"x",null,{}]`), wantError)
	c("initialize-in-batch", []byte(`[`+string(req(e, "63", "initialize", `{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"c","version":"1"}}`))+`]`), wantError)
	c("notifications-only", join(3, func(int) []byte { return req(e, "", "notifications/cancelled", `{"requestId":1}`) }), wantAnswer)
	c("same-id-twice", join(2, func(int) []byte { return addCall(e, "64") }), wantAnswer)
	c("truncated", join(3, func(int) []byte { return addCall(e, "65") })[:40], wantError)
	if e == modern {
		return ks
	}
	// 2025-03-26 is the one version with batches: there they are served, not refused.
	v := func(name string, body []byte, want expect, count int) {
		ks = append(ks, &kase{class: "batches", name: name + "@2025-03-26", body: body, want: want, version: "2025-03-26", count: count})
	}
	v("empty", []byte(`[]`), wantError, 1)
	v("one", join(1, func(i int) []byte { return addCall(e, "66") }), wantAnswer, 1)
	v("1000-calls", join(1000, func(i int) []byte { return addCall(e, fmt.Sprint(20_000+i)) }), wantAnswer, 1000)
	v("1000-numbers", join(1000, func(i int) []byte { return []byte("1") }), wantError, 1000)
	v("1000-mixed", join(1000, func(i int) []byte {
		if i%2 == 0 {
			return addCall(e, fmt.Sprint(30_000+i))
		}
		return []byte(`{"jsonrpc":"2.0","id":` + fmt.Sprint(30_000+i) + `,"method":"tools/call","params":{"name":"add","arguments":{"a":"x"}}}`)
	}), wantAnswer, 1000)
	v("garbage-items", []byte(`[1,"x",null,{}]`), wantError, 4)
	v("initialize-in-batch", []byte(`[`+string(req(e, "67", "initialize", `{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"c","version":"1"}}`))+`]`), wantError, 1)
	v("notifications-only", join(3, func(int) []byte { return req(e, "", "notifications/cancelled", `{"requestId":1}`) }), wantNothing, 0)
	v("same-id-twice", join(2, func(int) []byte { return addCall(e, "68") }), wantAnswer, 2)
	v("nested", []byte(`[[]]`), wantError, 1)
	return ks
}

func unknownMethods(e era) []*kase {
	var ks []*kase
	c := func(name string, body []byte, want expect) {
		ks = append(ks, &kase{class: "methods-unknown", name: name, body: body, want: want})
	}
	c("unknown", req(e, "71", "tools/explode", "{}"), wantError)
	c("empty", req(e, "72", "", "{}"), wantError)
	c("rpc-reserved", req(e, "73", "rpc.discover", "{}"), wantError)
	c("case-changed", req(e, "74", "Tools/Call", `{"name":"add","arguments":{"a":1,"b":2}}`), wantError)
	c("trailing-space", req(e, "75", "tools/call ", `{"name":"add","arguments":{"a":1,"b":2}}`), wantError)
	c("server-to-client-method", req(e, "76", "sampling/createMessage", `{"messages":[],"maxTokens":1}`), wantError)
	c("notification-method-with-id", req(e, "77", "notifications/initialized", ""), wantAnswer)
	c("unknown-notification", req(e, "", "notifications/explode", "{}"), wantNothing)
	c("cancel-unknown-request", req(e, "", "notifications/cancelled", `{"requestId":"nope"}`), wantNothing)
	c("cancel-wrong-type", req(e, "", "notifications/cancelled", `{"requestId":{"x":1}}`), wantNothing)
	c("progress-unknown", req(e, "", "notifications/progress", `{"progressToken":"t","progress":"x"}`), wantNothing)
	c("response-to-unknown-id", []byte(`{"jsonrpc":"2.0","id":"never-sent","result":{}}`), wantNoResult)
	c("error-response-to-unknown-id", []byte(`{"jsonrpc":"2.0","id":9999,"error":{"code":-1,"message":"x"}}`), wantNoResult)
	c("error-response-null-id", []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}`), wantNoResult)
	c("tool-unknown", req(e, "78", "tools/call", `{"name":"nope","arguments":{}}`), wantError)
	c("prompt-unknown", req(e, "79", "prompts/get", `{"name":"nope"}`), wantError)
	c("tool-missing-arguments", req(e, "80", "tools/call", `{"name":"add"}`), wantError)
	c("tool-extra-argument", req(e, "81", "tools/call", `{"name":"add","arguments":{"a":1,"b":2,"c":3}}`), wantAnswer)
	c("tool-float-for-int", req(e, "82", "tools/call", `{"name":"add","arguments":{"a":1.5,"b":2}}`), wantError)
	c("tool-int-overflow", req(e, "83", "tools/call", `{"name":"add","arguments":{"a":99999999999999999999999,"b":2}}`), wantError)
	return ks
}

func templateURIs(e era) []*kase {
	var ks []*kase
	c := func(name, uri string, want expect) {
		ks = append(ks, &kase{class: "template-uris", name: name, body: req(e, "90", "resources/read", `{"uri":`+quote(uri)+`}`), want: want})
	}
	c("empty", "", wantError)
	c("scheme-only", "greeting://", wantAnswer)
	c("extra-segment", "greeting://a/b", wantAnswer)
	c("bad-percent", "greeting://%ZZ", wantAnswer)
	c("percent-nul", "greeting://%00", wantAnswer)
	c("percent-invalid-utf8", "greeting://%ff%fe", wantAnswer)
	c("template-literal", "greeting://{name}", wantAnswer)
	c("query", "greeting://bob?x=1&y", wantAnswer)
	c("fragment", "greeting://bob#frag", wantAnswer)
	c("unicode", "greeting://bøb😀", wantAnswer)
	c("spaces", "greeting://b o b", wantAnswer)
	c("no-scheme", "bob", wantError)
	c("relative", "../../etc/passwd", wantError)
	c("reserved-path-traversal", "files:///../../etc/passwd", wantAnswer)
	c("reserved-empty", "files:///", wantAnswer)
	c("reserved-percent", "files:///%2e%2e/%2f", wantAnswer)
	c("uppercase-scheme", "GREETING://bob", wantAnswer)
	c("long-1MiB", "greeting://"+strings.Repeat("a/", 1<<19), wantAnswer)
	c("control-chars", "greeting://\x01\x7f", wantAnswer)
	c("plain-resource-suffix", "command://ping/x", wantAnswer)
	// Completion refs naming odd templates.
	comp := func(name, ref string, want expect) {
		ks = append(ks, &kase{class: "template-uris", name: "complete-" + name,
			body: req(e, "91", "completion/complete", `{"ref":{"type":"ref/resource","uri":`+quote(ref)+`},"argument":{"name":"name","value":"x"}}`), want: want})
	}
	comp("known", "greeting://{name}", wantAnswer)
	comp("unclosed", "greeting://{name", wantAnswer)
	comp("nested-braces", "greeting://{{name}}", wantAnswer)
	comp("operator-only", "greeting://{+}", wantAnswer)
	comp("empty", "", wantAnswer)
	return ks
}
