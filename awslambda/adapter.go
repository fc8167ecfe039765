package awslambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Options configures an Adapter. The zero value is usable.
type Options struct {
	// MaxBodyBytes bounds a request body after base64 decoding (default 6 MiB, Lambda's own payload limit
	// for a synchronous invocation); a larger one is answered 413 without calling the handler.
	MaxBodyBytes int
}

// Adapter turns Lambda HTTP events into calls of an http.Handler. It implements aws-lambda-go's
// lambda.Handler (Invoke), taking API Gateway HTTP API (payload 2.0) and function URL events alike; the
// typed methods APIGatewayV2 and FunctionURL are there for programs that pick the event type themselves.
// It is safe for concurrent use.
type Adapter struct {
	h    http.Handler
	opts Options
}

// New returns an adapter for h (usually server.Handler or streamable.NewHandler).
func New(h http.Handler, opts *Options) *Adapter {
	a := &Adapter{h: h}
	if opts != nil {
		a.opts = *opts
	}
	if a.opts.MaxBodyBytes <= 0 {
		a.opts.MaxBodyBytes = 6 << 20
	}
	return a
}

// request is what both event types say about an HTTP request (payload format 2.0).
type request struct {
	method, path, rawQuery, protocol, sourceIP, domain string
	headers                                            map[string]string
	cookies                                            []string
	body                                               string
	base64                                             bool
}

// response is what the handler answered.
type response struct {
	status  int
	headers map[string]string
	cookies []string
	body    string
	base64  bool
}

// APIGatewayV2 serves an API Gateway HTTP API event (payload format 2.0).
func (a *Adapter) APIGatewayV2(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	h := ev.RequestContext.HTTP
	res, err := a.serve(ctx, &request{method: h.Method, path: ev.RawPath, rawQuery: ev.RawQueryString, protocol: h.Protocol,
		sourceIP: h.SourceIP, domain: ev.RequestContext.DomainName, headers: ev.Headers, cookies: ev.Cookies,
		body: ev.Body, base64: ev.IsBase64Encoded})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: res.status, Headers: res.headers, Cookies: res.cookies,
		Body: res.body, IsBase64Encoded: res.base64}, nil
}

// FunctionURL serves a Lambda function URL event (BUFFERED invoke mode).
func (a *Adapter) FunctionURL(ctx context.Context, ev events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	h := ev.RequestContext.HTTP
	res, err := a.serve(ctx, &request{method: h.Method, path: ev.RawPath, rawQuery: ev.RawQueryString, protocol: h.Protocol,
		sourceIP: h.SourceIP, domain: ev.RequestContext.DomainName, headers: ev.Headers, cookies: ev.Cookies,
		body: ev.Body, base64: ev.IsBase64Encoded})
	if err != nil {
		return events.LambdaFunctionURLResponse{}, err
	}
	return events.LambdaFunctionURLResponse{StatusCode: res.status, Headers: res.headers, Cookies: res.cookies,
		Body: res.body, IsBase64Encoded: res.base64}, nil
}

// Invoke implements aws-lambda-go's lambda.Handler: payload is an API Gateway HTTP API or function URL
// event (both payload format 2.0), the answer the matching response. Anything else is an error, which
// Lambda reports as the invocation's failure.
func (a *Adapter) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("awslambda: the event is not JSON of an HTTP event: %w", err)
	}
	if ev.Version != "2.0" || ev.RequestContext.HTTP.Method == "" {
		return nil, fmt.Errorf("awslambda: not an API Gateway HTTP API or function URL event of payload format 2.0 (version %q)", ev.Version)
	}
	res, err := a.APIGatewayV2(ctx, ev)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res) // the function URL response has the same members
}

// serve runs the handler on the event's request.
func (a *Adapter) serve(ctx context.Context, in *request) (*response, error) {
	if in.method == "" {
		return nil, errors.New("awslambda: the event has no requestContext.http.method")
	}
	body := []byte(in.body)
	if in.base64 {
		var err error
		if body, err = base64.StdEncoding.DecodeString(in.body); err != nil {
			return nil, fmt.Errorf("awslambda: the event's body is not base64: %w", err)
		}
	}
	if len(body) > a.opts.MaxBodyBytes {
		return plain(http.StatusRequestEntityTooLarge, "request body too large"), nil
	}
	if in.method == http.MethodGet {
		// The standalone SSE stream never ends by itself; a buffered response cannot carry it.
		r := plain(http.StatusMethodNotAllowed, "this server runs on AWS Lambda and offers no standalone SSE stream")
		r.headers["Allow"] = "POST, DELETE"
		return r, nil
	}
	req, err := in.httpRequest(ctx, body)
	if err != nil {
		return nil, err
	}
	w := newRecorder()
	a.h.ServeHTTP(w, req)
	return w.response(), nil
}

// httpRequest builds the http.Request of the event.
func (in *request) httpRequest(ctx context.Context, body []byte) (*http.Request, error) {
	path := in.path
	if path == "" {
		path = "/"
	}
	u := &url.URL{Path: path, RawQuery: in.rawQuery}
	if raw, err := url.PathUnescape(path); err == nil && raw != path {
		u.Path, u.RawPath = raw, path
	}
	req, err := http.NewRequestWithContext(ctx, in.method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("awslambda: the event's request: %w", err)
	}
	for k, v := range in.headers {
		req.Header.Set(k, v) // payload 2.0 joins repeated headers with commas
	}
	if len(in.cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(in.cookies, "; "))
	}
	req.Host = req.Header.Get("Host")
	if req.Host == "" {
		req.Host = in.domain
	}
	req.URL.Host = req.Host
	req.RemoteAddr = in.sourceIP + ":0" // the gateway gives no port
	if in.protocol != "" {
		if major, minor, ok := http.ParseHTTPVersion(in.protocol); ok {
			req.Proto, req.ProtoMajor, req.ProtoMinor = in.protocol, major, minor
		}
	}
	req.ContentLength = int64(len(body))
	req.RequestURI = u.RequestURI()
	return req, nil
}

// plain is a text/plain response the adapter answers itself.
func plain(status int, msg string) *response {
	return &response{status: status, headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, body: msg}
}
