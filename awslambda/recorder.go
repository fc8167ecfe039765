package awslambda

import (
	"bytes"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"
)

// recorder is the http.ResponseWriter the handler writes the event's response to. Flush is accepted (the
// SSE writer calls it) and changes nothing: the response leaves when the handler returns. Writes after
// the handler returned (a late event of a stream) are dropped.
type recorder struct {
	mu     sync.Mutex
	header http.Header
	status int
	body   bytes.Buffer
	done   bool
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

// Header implements http.ResponseWriter.
func (r *recorder) Header() http.Header { return r.header }

// WriteHeader implements http.ResponseWriter.
func (r *recorder) WriteHeader(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status == 0 {
		r.status = status
	}
}

// Write implements http.ResponseWriter.
func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return 0, http.ErrHandlerTimeout
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// Flush implements http.Flusher.
func (r *recorder) Flush() {}

// response ends the recording and returns the event response: headers joined with commas (payload 2.0),
// Set-Cookie as cookies, a body that is not UTF-8 text in base64.
func (r *recorder) response() *response {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	res := &response{status: r.status, headers: make(map[string]string, len(r.header))}
	if res.status == 0 {
		res.status = http.StatusOK
	}
	for k, vs := range r.header {
		if k == "Set-Cookie" {
			res.cookies = append(res.cookies, vs...)
			continue
		}
		res.headers[k] = strings.Join(vs, ",")
	}
	body := r.body.Bytes()
	if isText(r.header.Get("Content-Type")) && utf8.Valid(body) {
		res.body = string(body)
	} else if len(body) > 0 {
		res.body, res.base64 = base64.StdEncoding.EncodeToString(body), true
	}
	return res
}

// isText reports whether a content type is sent as text: JSON, SSE, text/*.
func isText(ct string) bool {
	if ct == "" {
		return true // nothing written, or a status-only answer
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json")
}
