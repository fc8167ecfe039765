package proxy

import (
	"errors"
	"regexp"
	"strings"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// urlPattern finds the URLs in a message: a scheme, "://", and what follows up to a space or a quote.
var urlPattern = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.\-]*://[^\s"'<>` + "`" + `]*`)

// RedactURLs returns s with the credentials of every URL in it masked: the userinfo (user:password@)
// becomes "***@", the query and the fragment "?***" and "#***". An upstream's transport names its URL in
// its errors ("POST https://user:pw@host/mcp?token=… failed"), and a proxy or gateway serves other
// clients than the one whose configuration holds those credentials: what it tells them, or shows on an
// unauthenticated endpoint, goes through RedactURLs.
func RedactURLs(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlPattern.ReplaceAllStringFunc(s, redactURL)
}

// redactURL masks one URL's userinfo, query and fragment.
func redactURL(u string) string {
	i := strings.Index(u, "://") + len("://")
	head, rest := u[:i], u[i:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		rest = "***" + rest[at:]
	}
	if q := strings.IndexAny(rest, "?#"); q >= 0 {
		tail := rest[q:]
		rest = rest[:q]
		if tail[0] == '?' {
			rest += "?***"
			if f := strings.IndexByte(tail, '#'); f >= 0 {
				rest += "#***"
			}
		} else {
			rest += "#***"
		}
	}
	return head + rest
}

// redactError is err with RedactURLs applied to what a downstream client sees of it: a *jsonrpc.Error
// (sent as the protocol error, also when wrapped) is copied with its message redacted; another error's
// text is redacted, keeping it for errors.Is and errors.As. An error with nothing to redact is returned as
// it is.
func redactError(err error) error {
	if err == nil {
		return nil
	}
	var rpc *jsonrpc.Error
	if errors.As(err, &rpc) {
		msg := RedactURLs(rpc.Message)
		if msg == rpc.Message {
			return err
		}
		c := *rpc
		c.Message = msg
		return &c
	}
	if msg := RedactURLs(err.Error()); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

// redactedError is an error whose text had credentials masked (redactError).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Unwrap() error { return e.err }
