package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// Payload returns the JSON-RPC message of an HTTP answer: the body itself for application/json, the data
// of the last event for text/event-stream (the response comes after any notifications).
func Payload(r Response) []byte {
	if !bytes.HasPrefix(r.ContentType, []byte("text/event-stream")) {
		return r.Body
	}
	var last []byte
	for rest := r.Body; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if d, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r"), []byte("data:")); ok {
			last = bytes.TrimPrefix(d, []byte(" "))
		}
	}
	return last
}

// CheckHTTP checks one HTTP answer to a tools/call of tool with the given id (see Check).
func CheckHTTP(tool string, id int64, r Response, strict bool) error {
	if r.Status != 200 {
		return fmt.Errorf("HTTP %d: %s", r.Status, snippet(r.Body))
	}
	return Check(tool, id, Payload(r), strict)
}

// Check checks that msg is the successful JSON-RPC response to a tools/call of tool with the given id and
// carries the right answer. The fast path (strict false) looks for the id, a result, no error and the
// expected answer in the bytes; strict decodes the whole message and checks its shape.
func Check(tool string, id int64, msg []byte, strict bool) error {
	if strict {
		return checkStrict(tool, id, msg)
	}
	if !hasID(msg, id) {
		return fmt.Errorf("response without id %d: %s", id, snippet(msg))
	}
	if !bytes.Contains(msg, []byte(`"result":{`)) || bytes.Contains(msg, []byte(`"error":{`)) {
		return fmt.Errorf("not a result: %s", snippet(msg))
	}
	if bytes.Contains(msg, []byte(`"isError":true`)) {
		return fmt.Errorf("tool error: %s", snippet(msg))
	}
	switch tool {
	case workload.ToolAdd:
		if !sumsRight(msg) {
			return fmt.Errorf("add: want every sum to be %d: %s", workload.AddWant, snippet(msg))
		}
	case workload.ToolText:
		if !bytes.Contains(msg, textBytes) {
			return fmt.Errorf("text4k: answer does not hold the %d-byte text: %s", workload.TextSize, snippet(msg))
		}
	}
	return nil
}

var (
	textBytes = []byte(workload.Text)
	addWant   = []byte(strconv.Itoa(workload.AddWant))
)

// sumsRight reports whether msg holds a "sum" member and every one of them (in structuredContent or
// escaped in the text) is the expected sum.
func sumsRight(msg []byte) bool {
	found := false
	for rest := msg; ; {
		i := bytes.Index(rest, []byte(`sum`))
		if i < 0 {
			return found
		}
		rest = rest[i+3:]
		after, ok := bytes.CutPrefix(rest, []byte(`\":`))
		if !ok {
			if after, ok = bytes.CutPrefix(rest, []byte(`":`)); !ok {
				continue
			}
		}
		after = bytes.TrimLeft(after, " ")
		if !bytes.HasPrefix(after, addWant) || (len(after) > len(addWant) && after[len(addWant)] >= '0' && after[len(addWant)] <= '9') {
			return false
		}
		found = true
	}
}

// hasID reports whether msg has "id": followed by exactly id.
func hasID(msg []byte, id int64) bool {
	var want [24]byte
	w := strconv.AppendInt(want[:0], id, 10)
	for rest := msg; ; {
		i := bytes.Index(rest, []byte(`"id":`))
		if i < 0 {
			return false
		}
		rest = rest[i+5:]
		rest = bytes.TrimLeft(rest, " ")
		if bytes.HasPrefix(rest, w) && len(rest) > len(w) && (rest[len(w)] == ',' || rest[len(w)] == '}' || rest[len(w)] == ' ') {
			return true
		}
	}
}

// IDOf returns the numeric top-level-looking id of msg (the first "id": key), or -1.
func IDOf(msg []byte) int64 {
	i := bytes.Index(msg, []byte(`"id":`))
	if i < 0 {
		return -1
	}
	rest := bytes.TrimLeft(msg[i+5:], " ")
	var n int64
	j := 0
	for ; j < len(rest) && rest[j] >= '0' && rest[j] <= '9'; j++ {
		n = n*10 + int64(rest[j]-'0')
	}
	if j == 0 {
		return -1
	}
	return n
}

type strictResponse struct {
	JSONRPC string         `json:"jsonrpc"`
	ID      jsontext.Value `json:"id"`
	Result  *struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		StructuredContent jsontext.Value `json:"structuredContent"`
		IsError           bool           `json:"isError"`
	} `json:"result"`
	Error jsontext.Value `json:"error"`
}

func checkStrict(tool string, id int64, msg []byte) error {
	var r strictResponse
	if err := json.Unmarshal(msg, &r); err != nil {
		return fmt.Errorf("response is not valid JSON-RPC: %v: %s", err, snippet(msg))
	}
	switch {
	case r.JSONRPC != "2.0":
		return fmt.Errorf(`response without "jsonrpc":"2.0": %s`, snippet(msg))
	case string(r.ID) != strconv.FormatInt(id, 10):
		return fmt.Errorf("response id %s, want %d", r.ID, id)
	case len(r.Error) > 0:
		return fmt.Errorf("error response: %s", r.Error)
	case r.Result == nil:
		return errors.New("response without result")
	case r.Result.IsError:
		return fmt.Errorf("tool error: %s", snippet(msg))
	case len(r.Result.Content) != 1 || r.Result.Content[0].Type != "text":
		return fmt.Errorf("want one text content block: %s", snippet(msg))
	}
	text := r.Result.Content[0].Text
	switch tool {
	case workload.ToolText:
		if text != workload.Text {
			return fmt.Errorf("text4k: text of %d bytes is not the expected one", len(text))
		}
	case workload.ToolAdd:
		var sum workload.Sum
		if err := json.Unmarshal([]byte(text), &sum); err != nil || sum.Sum != workload.AddWant {
			return fmt.Errorf("add: text %q is not {\"sum\":%d}", text, workload.AddWant)
		}
		if len(r.Result.StructuredContent) > 0 {
			sum = workload.Sum{}
			if err := json.Unmarshal(r.Result.StructuredContent, &sum); err != nil || sum.Sum != workload.AddWant {
				return fmt.Errorf("add: structuredContent %s is not {\"sum\":%d}", r.Result.StructuredContent, workload.AddWant)
			}
		}
	}
	return nil
}

func snippet(b []byte) string {
	const n = 160
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
