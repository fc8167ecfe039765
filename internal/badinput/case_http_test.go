package badinput

import (
	"fmt"
	"net/http"
	"strings"
)

func httpCase(class, name string, body []byte, want expect, spec httpSpec) *kase {
	return &kase{class: class, name: name, body: body, want: want, httpOnly: true, http: spec}
}

func httpMethodCases(e era) []*kase {
	body := addCall(e, "101")
	var ks []*kase
	for _, m := range []string{http.MethodPut, http.MethodPatch, "HEAD", http.MethodOptions, http.MethodTrace, "CONNECT", "PROPFIND", "FOO", "post"} {
		ks = append(ks, httpCase("http-methods", m, body, wantError, httpSpec{method: m}))
	}
	ks = append(ks,
		httpCase("http-methods", "GET-without-accept", nil, wantError, httpSpec{method: http.MethodGet, set: map[string][]string{"Accept": nil}}),
		httpCase("http-methods", "GET-accept-json", nil, wantError, httpSpec{method: http.MethodGet, set: map[string][]string{"Accept": {"application/json"}}}),
		httpCase("http-methods", "DELETE-unknown-session", nil, wantError, httpSpec{method: http.MethodDelete, session: "no-such-session"}),
		httpCase("http-methods", "DELETE-no-session", nil, wantError, httpSpec{method: http.MethodDelete, session: "-"}),
	)
	return ks
}

func contentTypeCases(e era) []*kase {
	body := addCall(e, "111")
	var ks []*kase
	for _, ct := range []string{"application/jsonx", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/json; charset=utf-16", "application/json;;;", "application/", "json", "*/*", "application/json, text/plain"} {
		ks = append(ks, httpCase("content-types", ct, body, wantError, httpSpec{set: map[string][]string{"Content-Type": {ct}}}))
	}
	ks = append(ks,
		httpCase("content-types", "missing", body, wantError, httpSpec{set: map[string][]string{"Content-Type": nil}}),
		httpCase("content-types", "duplicated-conflicting", body, wantError, httpSpec{set: map[string][]string{"Content-Type": {"application/json", "text/plain"}}}),
		httpCase("content-types", "uppercase", body, wantAnswer, httpSpec{set: map[string][]string{"Content-Type": {"APPLICATION/JSON"}}}),
		httpCase("content-types", "charset-utf8", body, wantAnswer, httpSpec{set: map[string][]string{"Content-Type": {"application/json; charset=utf-8"}}}),
		httpCase("content-types", "accept-missing", body, wantAnswer, httpSpec{set: map[string][]string{"Accept": nil}}),
		httpCase("content-types", "accept-text-plain", body, wantAnswer, httpSpec{set: map[string][]string{"Accept": {"text/plain"}}}),
		httpCase("content-types", "accept-garbage", body, wantAnswer, httpSpec{set: map[string][]string{"Accept": {";;;,,,q=x"}}}),
		httpCase("content-types", "gzip-encoding-not-gzip", body, wantAnswer, httpSpec{set: map[string][]string{"Content-Encoding": {"gzip"}}}),
	)
	return ks
}

func headerCases(e era) []*kase {
	body := addCall(e, "121")
	big := strings.Repeat("h", 900<<10)
	var ks []*kase
	c := func(name string, want expect, set map[string][]string) {
		ks = append(ks, httpCase("headers", name, body, want, httpSpec{set: set}))
	}
	c("oversized-unknown-header", wantAnswer, map[string][]string{"X-Junk": {big}})
	c("oversized-protocol-version", wantError, map[string][]string{"Mcp-Protocol-Version": {big}})
	// A modern request's Mcp-Session-Id is ignored (ARCHITECTURE, HTTP decisions).
	c("oversized-session-id", map[era]expect{legacy: wantError, modern: wantAnswer}[e], map[string][]string{"Mcp-Session-Id": {big}})
	c("many-headers", wantAnswer, manyHeaders(2000))
	c("duplicated-protocol-version", wantAnswer, map[string][]string{"Mcp-Protocol-Version": {legacyVersion, "2024-11-05"}})
	c("duplicated-session-id", wantAnswer, map[string][]string{"Mcp-Session-Id": {"a", "b"}})
	c("protocol-version-garbage", wantError, map[string][]string{"Mcp-Protocol-Version": {"garbage"}})
	c("protocol-version-future", wantAnswer, map[string][]string{"Mcp-Protocol-Version": {"2099-01-01"}})
	c("protocol-version-empty", wantAnswer, map[string][]string{"Mcp-Protocol-Version": {""}})
	c("last-event-id-garbage", wantAnswer, map[string][]string{"Last-Event-Id": {"\xff\xfe garbage"}})
	c("host-evil", wantError, map[string][]string{"Host": {"evil.example"}})
	c("origin-evil", wantError, map[string][]string{"Origin": {"https://evil.example"}})
	c("origin-null", wantError, map[string][]string{"Origin": {"null"}})
	raw := func(name string, want expect, head string) {
		ks = append(ks, httpCase("headers", name, body, want, httpSpec{raw: head}))
	}
	raw("content-length-short", wantError, "Content-Length: 5\r\n")
	raw("content-length-negative", wantError, "Content-Length: -1\r\n")
	raw("content-length-twice-different", wantError, fmt.Sprintf("Content-Length: %d\r\nContent-Length: 3\r\n", len(body)))
	// An unknown Transfer-Encoding gets 501 from net/http itself, as RFC 9112 section 6.1 asks: not a case.
	raw("control-char-in-header", wantError, "Mcp-Protocol-Version: 2025\x01-11-25\r\n")
	raw("header-without-colon", wantError, "Mcp-Protocol-Version 2025-11-25\r\n")
	raw("obs-fold", wantAnswer, "X-Folded: a\r\n b\r\n")
	return ks
}

func manyHeaders(n int) map[string][]string {
	m := map[string][]string{}
	for i := 0; i < n; i++ {
		m["X-H"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+itoa(i)] = []string{"v"}
	}
	return m
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func sessionCases(e era) []*kase {
	body := addCall(e, "131")
	var ks []*kase
	c := func(name string, want expect, session string) {
		if e == modern {
			want = wantAnswer // a modern request's Mcp-Session-Id is ignored (ARCHITECTURE, HTTP decisions)
		}
		ks = append(ks, httpCase("sessions", name, body, want, httpSpec{session: session}))
	}
	c("unknown", wantError, "0123456789abcdef0123456789abcdef")
	c("empty", wantError, "")
	c("garbage", wantError, "../../../etc/passwd")
	c("non-ascii", wantError, "sessïon")
	c("long-64KiB", wantError, strings.Repeat("s", 64<<10))
	if e == legacy {
		c("missing", wantError, "-")
		ks = append(ks, httpCase("sessions", "notification-unknown-session", req(e, "", "notifications/initialized", ""), wantError, httpSpec{session: "nope"}))
		ks = append(ks, httpCase("sessions", "initialize-with-unknown-session",
			req(e, "132", "initialize", `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}`), wantAnswer, httpSpec{session: "nope"}))
	}
	// The empty-session case must send an empty header, not none.
	for _, k := range ks {
		if k.name == "empty" {
			k.http.session = ""
			k.http.set = map[string][]string{"Mcp-Session-Id": {""}}
		}
	}
	return ks
}

// mcpHeaderCases are the 2026-07-28 mirrored headers with garbage values.
func mcpHeaderCases() []*kase {
	withTag := req(modern, "141", "tools/call", `{"name":"add","arguments":{"a":1,"b":2,"tag":"eu-west"}}`)
	noTag := addCall(modern, "142")
	read := req(modern, "143", "resources/read", `{"uri":"greeting://bob"}`)
	var ks []*kase
	c := func(name string, body []byte, want expect, set map[string][]string) {
		ks = append(ks, httpCase("mcp-headers", name, body, want, httpSpec{set: set}))
	}
	c("param-missing", withTag, wantError, map[string][]string{"Mcp-Param-Tag": nil})
	c("param-mismatch", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {"us-east"}})
	c("param-case-mismatch", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {"EU-WEST"}})
	c("param-bad-base64", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {"=?base64?!!!!?="}})
	c("param-unpadded-base64", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {"=?base64?ZXUtd2VzdA?="}})
	c("param-base64-ok", withTag, wantAnswer, map[string][]string{"Mcp-Param-Tag": {"=?base64?ZXUtd2VzdA==?="}})
	c("param-base64-empty", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {"=?base64??="}})
	c("param-prefix-only", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {"=?base64?"}})
	c("param-for-absent-arg", noTag, wantError, map[string][]string{"Mcp-Param-Tag": {"eu-west"}})
	// Two values: a proxy that routes on the last one sees another request than the server checks.
	c("param-duplicated", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {"eu-west", "us-east"}})
	c("param-huge", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {strings.Repeat("t", 256<<10)}})
	c("param-unknown-name", noTag, wantAnswer, map[string][]string{"Mcp-Param-Nope": {"x"}, "Mcp-Param-": {"y"}})
	c("param-tab", withTag, wantError, map[string][]string{"Mcp-Param-Tag": {"eu\twest"}})
	c("method-missing", noTag, wantError, map[string][]string{"Mcp-Method": nil})
	c("method-mismatch", noTag, wantError, map[string][]string{"Mcp-Method": {"tools/list"}})
	c("method-base64", noTag, wantAnswer, map[string][]string{"Mcp-Method": {"=?base64?dG9vbHMvY2FsbA==?="}})
	c("method-bad-base64", noTag, wantError, map[string][]string{"Mcp-Method": {"=?base64?%%%?="}})
	c("method-duplicated", noTag, wantError, map[string][]string{"Mcp-Method": {"tools/call", "ping"}})
	c("method-huge", noTag, wantError, map[string][]string{"Mcp-Method": {strings.Repeat("m", 256<<10)}})
	c("name-missing", noTag, wantError, map[string][]string{"Mcp-Name": nil})
	c("name-mismatch", noTag, wantError, map[string][]string{"Mcp-Name": {"multiply"}})
	c("name-bad-base64", noTag, wantError, map[string][]string{"Mcp-Name": {"=?base64?a?="}})
	c("name-duplicated", noTag, wantError, map[string][]string{"Mcp-Name": {"add", "multiply"}})
	c("version-duplicated", noTag, wantError, map[string][]string{"Mcp-Protocol-Version": {modernVersion, legacyVersion}})
	c("name-on-uri-mismatch", read, wantError, map[string][]string{"Mcp-Name": {"greeting://alice"}})
	c("name-on-uri-missing", read, wantError, map[string][]string{"Mcp-Name": nil})
	c("name-for-method-without-name", req(modern, "144", "tools/list", "{}"), wantAnswer, map[string][]string{"Mcp-Name": {"x"}})
	c("version-missing", noTag, wantError, map[string][]string{"Mcp-Protocol-Version": nil})
	c("version-mismatch", noTag, wantError, map[string][]string{"Mcp-Protocol-Version": {"2099-01-01"}})
	c("version-legacy", noTag, wantError, map[string][]string{"Mcp-Protocol-Version": {legacyVersion}})
	c("version-garbage", noTag, wantError, map[string][]string{"Mcp-Protocol-Version": {"=?base64?eA==?="}})
	c("version-header-only", []byte(`{"jsonrpc":"2.0","id":145,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`), wantError, nil)
	c("version-header-only-listen", []byte(`{"jsonrpc":"2.0","id":146,"method":"subscriptions/listen","params":{"notifications":{}}}`), wantError, nil)
	return ks
}
