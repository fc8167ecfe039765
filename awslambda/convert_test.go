package awslambda_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mcpkit/mcpkit/awslambda"
)

// TestConversion: what an event says reaches the handler as an http.Request (method, escaped path, query,
// headers, cookies, Host — from the header, else the domain name —, source address, protocol, body), and
// what the handler writes comes back as the response event (status, joined headers, Set-Cookie as cookies,
// a binary body in base64).
func TestConversion(t *testing.T) {
	var got *http.Request
	var gotBody string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte{0, 1, 2, 0xff})
	})
	a := awslambda.New(h, nil)
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: "/mcp/a%20b", RawQueryString: "x=1&y=2",
		Cookies: []string{"c1=1", "c2=2"},
		Headers: map[string]string{"content-type": "application/json", "x-repeated": "1,2"},
		Body:    base64.StdEncoding.EncodeToString([]byte(`{"k":"v"}`)), IsBase64Encoded: true,
	}
	ev.RequestContext.DomainName = "api.example.com"
	ev.RequestContext.HTTP = events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/mcp/a b",
		Protocol: "HTTP/2.0", SourceIP: "203.0.113.9"}
	res, err := a.APIGatewayV2(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	for what, pair := range map[string][2]string{
		"method":  {got.Method, "POST"},
		"path":    {got.URL.Path, "/mcp/a b"},
		"escaped": {got.URL.EscapedPath(), "/mcp/a%20b"},
		"query":   {got.URL.Query().Get("y"), "2"},
		"header":  {got.Header.Get("X-Repeated"), "1,2"},
		"cookie":  {got.Header.Get("Cookie"), "c1=1; c2=2"},
		"host":    {got.Host, "api.example.com"},
		"remote":  {got.RemoteAddr, "203.0.113.9:0"},
		"proto":   {got.Proto, "HTTP/2.0"},
		"body":    {gotBody, `{"k":"v"}`},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s: %q, want %q", what, pair[0], pair[1])
		}
	}
	if got.ContentLength != int64(len(`{"k":"v"}`)) {
		t.Errorf("ContentLength %d", got.ContentLength)
	}
	body, _ := base64.StdEncoding.DecodeString(res.Body)
	if res.StatusCode != http.StatusTeapot || res.Headers["X-Multi"] != "a,b" || len(res.Cookies) != 1 || res.Cookies[0] != "k=v" ||
		!res.IsBase64Encoded || string(body) != "\x00\x01\x02\xff" {
		t.Errorf("response %+v", res)
	}
	if _, ok := res.Headers["Set-Cookie"]; ok {
		t.Error("Set-Cookie left in the headers as well as in cookies")
	}

	// A Host header wins over the domain name; a function URL event converts the same way.
	fu := events.LambdaFunctionURLRequest{Version: "2.0", RawPath: "/mcp", Headers: map[string]string{"host": "fn.example.com"}, Body: "hi"}
	fu.RequestContext.DomainName = "other.example.com"
	fu.RequestContext.HTTP = events.LambdaFunctionURLRequestContextHTTPDescription{Method: "POST", SourceIP: "198.51.100.2"}
	if _, err := a.FunctionURL(context.Background(), fu); err != nil {
		t.Fatal(err)
	}
	if got.Host != "fn.example.com" || gotBody != "hi" || got.RemoteAddr != "198.51.100.2:0" {
		t.Errorf("function URL: host %q body %q remote %q", got.Host, gotBody, got.RemoteAddr)
	}
}
