package badinput

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// outcome is what a case got back.
type outcome struct {
	status  int               // HTTP status; 0 on stdio
	replies []json.RawMessage // JSON-RPC responses (batch replies flattened)
	err     error             // transport failure; errHang for a timeout
	note    string            // anything odd the target noticed (e.g. an undecodable reply)
}

// reply is the part of a JSON-RPC response the checks read.
type reply struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int64  `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (r *reply) isToolError() bool {
	var res struct {
		IsError bool `json:"isError"`
	}
	return r.Result != nil && json.Unmarshal(r.Result, &res) == nil && res.IsError
}

// addReplies decodes data (one response or a batch of them) into o.replies.
func (o *outcome) addReplies(data []byte) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return
	}
	if data[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(data, &arr); err != nil {
			o.note = fmt.Sprintf("undecodable batch reply %q", snippet(data))
			return
		}
		o.replies = append(o.replies, arr...)
		return
	}
	o.replies = append(o.replies, json.RawMessage(append([]byte(nil), data...)))
}

// readSSE collects the data of SSE events from r until a response (an object with an id and a result or
// error, or a batch) has been read, or the stream ends.
func readSSE(r io.Reader, o *outcome) {
	br := bufio.NewReaderSize(r, 64<<10)
	var data bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "data:"):
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
			data.WriteByte('\n')
		case line == "" && data.Len() > 0:
			msg := bytes.TrimSpace(data.Bytes())
			data.Reset()
			if isAck(msg) {
				o.replies = append(o.replies, ackReply) // the caller closes the stream: that cancels it
				return
			}
			if isResponse(msg) {
				o.addReplies(msg)
				return
			}
		}
		if err != nil {
			if isTimeout(err) {
				o.err = errHang
			}
			return
		}
	}
}

// isResponse reports whether msg is a JSON-RPC response or a batch (not a notification or request).
func isResponse(msg []byte) bool {
	if len(msg) > 0 && msg[0] == '[' {
		return true
	}
	var m struct {
		Method *string          `json:"method"`
		Result json.RawMessage  `json:"result"`
		Error  *json.RawMessage `json:"error"`
	}
	if json.Unmarshal(msg, &m) != nil {
		return true // let the checks complain about it
	}
	return m.Method == nil && (m.Result != nil || m.Error != nil)
}

// Kinds of message a server sends.
const (
	kindResponse = iota // a response (or something undecodable: the checks complain about it)
	kindBatch           // an array of responses
	kindAck             // notifications/subscriptions/acknowledged
	kindOther           // another notification or a server-to-client request
)

// classify decodes msg once and says what it is, with the raw id of a response.
func classify(msg []byte) (kind int, id string) {
	if len(msg) > 0 && msg[0] == '[' {
		return kindBatch, ""
	}
	var m struct {
		Method *string          `json:"method"`
		ID     json.RawMessage  `json:"id"`
		Result json.RawMessage  `json:"result"`
		Error  *json.RawMessage `json:"error"`
	}
	if json.Unmarshal(msg, &m) != nil {
		return kindResponse, ""
	}
	switch {
	case m.Method != nil && *m.Method == "notifications/subscriptions/acknowledged":
		return kindAck, ""
	case m.Method == nil && (m.Result != nil || m.Error != nil):
		return kindResponse, string(m.ID)
	}
	return kindOther, ""
}

// ackReply stands for the answer of an accepted subscriptions/listen: its acknowledgement notification.
var ackReply = json.RawMessage(`{"jsonrpc":"2.0","id":"listen","result":{"acknowledged":true}}`)

// isAck reports whether msg is the notification that acknowledges subscriptions/listen.
func isAck(msg []byte) bool {
	var m struct {
		Method string `json:"method"`
	}
	return json.Unmarshal(msg, &m) == nil && m.Method == "notifications/subscriptions/acknowledged"
}

func snippet(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + fmt.Sprintf("…(%d bytes)", len(b))
	}
	return string(b)
}
