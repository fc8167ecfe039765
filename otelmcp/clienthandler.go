package otelmcp

import (
	"context"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// ClientHandlerMiddleware returns middleware that gives every request a legacy server sends to the
// client (elicitation/create, sampling/createMessage, roots/list, ping: the client serves those) a span
// of kind server, whose parent is the trace context of the request's params._meta (which
// ServerOutboundMiddleware writes), else the handler's context. The client's handler (OnElicit,
// OnSample, OnRoots) runs under the span. Install it with client.Options.HandlerMiddleware. The span has
// mcp.method.name, jsonrpc.request.id, mcp.protocol.version, and error.type / rpc.response.status_code
// when the handler fails (a JSON-RPC error, or -32603 for any other error, as the client answers it).
func ClientHandlerMiddleware(opts *Options) client.HandlerMiddleware {
	c := newConfig(opts)
	return func(next client.InboundHandler) client.InboundHandler {
		return func(ctx context.Context, req *client.InboundRequest) (res jsontext.Value, err error) {
			parent := ctx
			if m := paramsMeta(req.Params); hasTrace(m) {
				parent = c.prop.Extract(ctx, metaCarrier{m})
			}
			t := c.methodTarget(req.Method)
			ctx, span := c.tracer.Start(parent, t.spanName, serverStart...)
			if span.IsRecording() {
				attrs := make([]attribute.KeyValue, 0, 3+len(c.attrs))
				attrs = append(attrs, KeyMethodName.String(req.Method))
				if kv, ok := requestID(req.ID); ok {
					attrs = append(attrs, kv)
				}
				if req.ProtocolVersion != "" {
					attrs = append(attrs, KeyProtocolVersion.String(req.ProtocolVersion))
				}
				span.SetAttributes(append(attrs, c.attrs...)...)
			}
			defer func() {
				if p := recover(); p != nil {
					span.SetAttributes(KeyResponseStatusCode.String("-32603"), KeyErrorType.String("-32603"))
					span.SetStatus(codes.Error, "internal error (the handler panicked)")
					span.End()
					panic(p)
				}
				if span.IsRecording() {
					finish(ctx, span, req.Method, res, err, wireInternal)
				}
				span.End()
			}()
			return next(ctx, req)
		}
	}
}

// paramsMeta decodes the _meta of a request's raw params; nil when there is none or it is malformed (the
// request is then served without a remote parent).
func paramsMeta(params jsontext.Value) *mcp.RequestMeta {
	raw := rawObjectMember(params, "_meta")
	if raw == nil {
		return nil
	}
	var m mcp.RequestMeta
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return &m
}

// rawObjectMember returns the raw value of a top-level params member when it is an object, else nil.
func rawObjectMember(params jsontext.Value, name string) jsontext.Value {
	if len(params) == 0 {
		return nil
	}
	raw, err := jsonrpc.Member(params, name)
	if err != nil || raw.Kind() != '{' {
		return nil
	}
	return raw
}
