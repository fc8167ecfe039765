package badinput

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// expect is what a case must be answered with.
type expect int

const (
	// wantError: a JSON-RPC error (or an isError tool result) or an HTTP 4xx, and no result.
	wantError expect = iota
	// wantAnswer: any answer (result or error) or an HTTP 4xx; the request is odd but may be valid.
	wantAnswer
	// wantNothing: a notification: no JSON-RPC answer, HTTP 2xx or 4xx.
	wantNothing
	// wantNoResult: a response sent to the server (malformed or to an id it never used): no answer, or an
	// error where the transport can tell the sender (an HTTP POST).
	wantNoResult
)

// era says which targets a case is written for.
type era int

const (
	legacy era = iota
	modern
)

// kase is one bad input. body is sent as one message (one line on stdio, one POST over HTTP).
type kase struct {
	class, name string
	body        []byte
	want        expect
	// id is the raw id the body carries when the reply must echo it byte for byte ("" to skip the check).
	id string
	// httpOnly cases need HTTP features (methods, headers, sessions); http describes them.
	httpOnly bool
	http     httpSpec
	// fresh asks for a connection (or legacy HTTP request) without an initialized session.
	fresh bool
	// version, on legacy targets, serves the case in a new session negotiated at this version.
	version string
	// count, when set, is the number of responses the case must get (a batch).
	count int
	// hold, when set, makes the case a duplicate-id-in-flight pair: first a hold call with this key and
	// the same id as body, then body while the hold is in flight, then the hold is released.
	hold string
}

// httpSpec describes the HTTP side of a case.
type httpSpec struct {
	method string              // default POST
	path   string              // default the target's endpoint; may hold a query
	set    map[string][]string // headers set after the defaults; a nil value deletes the header
	// noDefaults sends only the headers in set (no Content-Type, Accept or session).
	noDefaults bool
	// session overrides the session id: "" keeps the target's, "-" removes it.
	session string
	// raw, when set, sends the request by hand over TCP with these header lines ("Name: value\r\n" each)
	// after the usual ones, and Content-Length only if raw has none.
	raw string
}

func (k *kase) label() string { return k.class + "/" + k.name }

// Classes in report order.
var classes = []string{
	"malformed-json", "deep-nesting", "huge-strings", "wrong-types", "ids", "batches", "methods-unknown",
	"template-uris", "http-methods", "content-types", "headers", "sessions", "mcp-headers",
}

const legacyVersion = "2025-11-25"
const modernVersion = "2026-07-28"

// modernMeta is the _meta every 2026-07-28 request carries.
const modernMeta = `{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`

// req builds a request body with params (raw JSON; "" for none). In the modern era _meta is added to an
// object params.
func req(e era, id, method, params string) []byte {
	if e == modern {
		params = withMeta(params)
	}
	var b bytes.Buffer
	b.WriteString(`{"jsonrpc":"2.0"`)
	if id != "" {
		b.WriteString(`,"id":` + id)
	}
	b.WriteString(`,"method":` + quote(method))
	if params != "" {
		b.WriteString(`,"params":` + params)
	}
	b.WriteString("}")
	return b.Bytes()
}

func withMeta(params string) string {
	switch {
	case params == "":
		return `{"_meta":` + modernMeta + `}`
	case params == "{}":
		return `{"_meta":` + modernMeta + `}`
	case strings.HasPrefix(params, "{") && !strings.Contains(params, `"_meta"`):
		return `{"_meta":` + modernMeta + `,` + params[1:]
	}
	return params
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// addCall is the normal call: tools/call add 2+3.
func addCall(e era, id string) []byte {
	return req(e, id, "tools/call", `{"name":"add","arguments":{"a":2,"b":3}}`)
}

// corpus returns every case for an era; HTTP-only cases are included (stdio targets skip them).
func corpus(e era) []*kase {
	var all []*kase
	add := func(ks ...*kase) { all = append(all, ks...) }
	add(malformedJSON(e)...)
	add(deepNesting(e)...)
	add(hugeStrings(e)...)
	add(wrongTypes(e)...)
	add(idCases(e)...)
	add(batchCases(e)...)
	add(unknownMethods(e)...)
	add(templateURIs(e)...)
	add(httpMethodCases(e)...)
	add(contentTypeCases(e)...)
	add(headerCases(e)...)
	add(sessionCases(e)...)
	if e == modern {
		add(mcpHeaderCases()...)
	}
	return all
}

func malformedJSON(e era) []*kase {
	valid := addCall(e, "11")
	var ks []*kase
	c := func(name string, body []byte) {
		ks = append(ks, &kase{class: "malformed-json", name: name, body: body, want: wantError})
	}
	for _, n := range []int{1, 2, 10, len(valid) / 2, len(valid) - 2, len(valid) - 1} {
		c(fmt.Sprintf("truncated-at-%d", n), valid[:n])
	}
	c("invalid-utf8-in-value", bytes.Replace(valid, []byte(`"add"`), []byte("\"a\xffd\""), 1))
	c("invalid-utf8-in-key", bytes.Replace(valid, []byte(`"name"`), []byte("\"na\xc3\x28me\""), 1))
	c("invalid-utf8-in-method", bytes.Replace(valid, []byte(`"tools/call"`), []byte("\"tools/\xed\xa0\x80call\""), 1))
	c("lone-surrogate-escape", bytes.Replace(valid, []byte(`"add"`), []byte(`"\ud800"`), 1))
	c("trailing-garbage", append(append([]byte{}, valid...), []byte("xyz")...))
	c("two-objects", append(append([]byte{}, valid...), valid...))
	c("null", []byte("null"))
	c("number", []byte("42"))
	c("string", []byte(`"tools/call"`))
	c("true", []byte("true"))
	c("bom", append([]byte("\xef\xbb\xbf"), valid...))
	c("nul-byte", bytes.Replace(valid, []byte(`"add"`), []byte("\"a\x00d\""), 1))
	c("comment", append([]byte("/* hi */"), valid...))
	c("single-quotes", []byte(`{'jsonrpc':'2.0','id':1,'method':'ping'}`))
	c("trailing-comma", bytes.Replace(valid, []byte(`}}}`), []byte(`},},}`), 1))
	c("duplicate-member", bytes.Replace(valid, []byte(`"method":"tools/call"`), []byte(`"method":"tools/call","method":"ping"`), 1))
	c("NaN", bytes.Replace(valid, []byte(`"a":2`), []byte(`"a":NaN`), 1))
	c("missing-jsonrpc", bytes.Replace(valid, []byte(`"jsonrpc":"2.0",`), nil, 1))
	c("jsonrpc-1.0", bytes.Replace(valid, []byte(`"2.0"`), []byte(`"1.0"`), 1))
	c("no-method-no-result", []byte(`{"jsonrpc":"2.0","id":12}`))
	ks = append(ks, &kase{class: "malformed-json", name: "result-and-error", want: wantNoResult,
		body: []byte(`{"jsonrpc":"2.0","id":13,"result":{},"error":{"code":1,"message":"x"}}`)})
	c("method-and-result", []byte(`{"jsonrpc":"2.0","id":14,"method":"ping","result":{}}`))
	c("empty-object", []byte(`{}`))
	return ks
}

func deepNesting(e era) []*kase {
	const deep = 10_001
	arr := strings.Repeat("[", deep) + strings.Repeat("]", deep)
	obj := strings.Repeat(`{"a":`, deep) + "1" + strings.Repeat("}", deep)
	var ks []*kase
	c := func(name string, body []byte, want expect) {
		ks = append(ks, &kase{class: "deep-nesting", name: name, body: body, want: want})
	}
	c("top-level-arrays", []byte(arr), wantError)
	c("top-level-arrays-unclosed-100k", []byte(strings.Repeat("[", 100_000)), wantError)
	c("top-level-objects-unclosed-100k", []byte(strings.Repeat(`{"a":`, 100_000)), wantError)
	c("arguments-arrays", req(e, "21", "tools/call", `{"name":"add","arguments":{"a":`+arr+`,"b":1}}`), wantError)
	c("arguments-objects", req(e, "22", "tools/call", `{"name":"add","arguments":{"a":1,"b":2,"x":`+obj+`}}`), wantAnswer)
	c("params-of-ping", req(e, "23", "ping", `{"x":`+arr+`}`), wantAnswer)
	meta := `{"_meta":{"deep":` + obj + `}}`
	if e == modern {
		meta = `{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"deep":` + obj + `}}`
	}
	c("meta-objects", req(e, "24", "tools/list", meta), wantAnswer)
	c("id-arrays", []byte(`{"jsonrpc":"2.0","id":`+arr+`,"method":"ping"}`), wantError)
	c("prompt-arguments", req(e, "25", "prompts/get", `{"name":"greet","arguments":{"name":`+arr+`}}`), wantError)
	return ks
}

func hugeStrings(e era) []*kase {
	big := strings.Repeat("x", 2<<20)
	var ks []*kase
	c := func(name string, body []byte, want expect) {
		ks = append(ks, &kase{class: "huge-strings", name: name, body: body, want: want})
	}
	c("method-2MiB", req(e, "31", big, "{}"), wantError)
	c("tool-name-2MiB", req(e, "32", "tools/call", `{"name":"`+big+`","arguments":{}}`), wantError)
	c("argument-2MiB", req(e, "33", "tools/call", `{"name":"add","arguments":{"a":1,"b":2,"junk":"`+big+`"}}`), wantAnswer)
	c("argument-wrong-type-2MiB", req(e, "34", "tools/call", `{"name":"add","arguments":{"a":"`+big+`","b":2}}`), wantError)
	c("unknown-uri-2MiB", req(e, "36", "resources/read", `{"uri":"nope://`+big+`"}`), wantError)
	c("prompt-name-2MiB", req(e, "37", "prompts/get", `{"name":"`+big+`"}`), wantError)
	c("id-2MiB", req(e, `"`+big+`"`, "ping", ""), wantAnswer)
	c("meta-key-2MiB", req(e, "38", "tools/list", `{"_meta":{"`+big+`":1}}`), wantAnswer)
	c("number-1MiB", req(e, "39", "tools/call", `{"name":"add","arguments":{"a":1`+strings.Repeat("0", 1<<20)+`,"b":2}}`), wantError)
	c("body-5MiB", req(e, "40", "tools/call", `{"name":"add","arguments":{"a":1,"b":2,"junk":"`+strings.Repeat("y", 5<<20)+`"}}`), wantAnswer)
	taskParams := func(params string) string {
		if e == modern {
			return `{"_meta":` + taskExtMeta + `,` + params + `}`
		}
		return `{` + params + `}`
	}
	c("task-id-2MiB", req(e, "42", "tasks/get", taskParams(`"taskId":"`+big+`"`)), wantError)
	c("task-id-2MiB-cancel", req(e, "43", "tasks/cancel", taskParams(`"taskId":"`+big+`"`)), wantError)
	if e == modern {
		c("task-update-answer-2MiB", req(e, "44", "tasks/update", taskParams(`"taskId":"`+unknownTaskID+`","inputResponses":{"k":"`+big+`"}`)), wantError)
		c("task-update-key-2MiB", req(e, "45", "tasks/update", taskParams(`"taskId":"`+unknownTaskID+`","inputResponses":{"`+big+`":{}}`)), wantError)
	} else {
		c("task-list-cursor-2MiB", req(e, "46", "tasks/list", taskParams(`"cursor":"`+big+`"`)), wantError)
		c("task-result-id-2MiB", req(e, "47", "tasks/result", taskParams(`"taskId":"`+big+`"`)), wantError)
	}
	c("line-9MiB", req(e, "41", "tools/call", `{"name":"add","arguments":{"a":1,"b":2,"junk":"`+strings.Repeat("z", 9<<20)+`"}}`), wantError)
	return ks
}
