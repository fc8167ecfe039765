package httpx

import (
	"mime"
	"net/http"
	"strings"
)

// IsJSONBody reports whether a request's headers declare a JSON body: exactly one Content-Type header,
// parsed as a media type (application/jsonx is not JSON), application/json, with a charset parameter, if
// any, of UTF-8. Both HTTP transports' POST endpoints answer anything else with 415.
func IsJSONBody(h http.Header) bool {
	ct := h["Content-Type"]
	if len(ct) != 1 {
		return false // missing, or two that may disagree
	}
	if ct[0] == "application/json" {
		return true // the usual value: no parsing, no allocation
	}
	mt, params, err := mime.ParseMediaType(ct[0])
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}
