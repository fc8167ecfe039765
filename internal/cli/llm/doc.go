// Package llm answers a server's sampling requests (sampling/createMessage) for the client verbs with an
// OpenAI-compatible chat completions endpoint (--llm-base-url): the request's messages, system prompt,
// token limit, temperature and stop sequences become one POST to {base}/chat/completions, and the first
// choice becomes the result. Text only: a request with images, audio or tools is refused with a clear
// error.
package llm
