package transport

// Named is implemented by a Peer (the one a transport hands the server with each request) and by a
// jsonrpc.Stream that can say which transport it is: "streamable", "sse", "stdio", "memory". Observers of
// the server (server.Server.Observe: metrics, tracing) read it through server.Request.Transport; nothing
// else depends on it.
type Named interface {
	TransportName() string
}

// Internal is implemented by the Peer of a request a transport makes on its own account rather than for a
// client (the checks Streamable HTTP runs before it opens a subscriptions/listen stream). The server serves
// such a request like any other, but its observers (server.Server.Observe) do not see it, so that it is
// not counted or traced as a client's request.
type Internal interface {
	InternalRequest()
}
