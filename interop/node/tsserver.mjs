// An MCP server written with the TypeScript SDK v2 (@modelcontextprotocol/server + @modelcontextprotocol/node),
// serving both protocol eras on one Streamable HTTP endpoint, for mcpkit's client to talk to.
// Usage: node tsserver.mjs [port]; port 0 (the default) picks a free one. The first stdout line is the port.
//
// Routing: a request that carries the 2026-07-28 envelope goes to createMcpHandler (strict modern, one
// server instance per request); everything else (initialize, session requests, GET and DELETE) goes to a
// sessionful legacy wiring: one server instance and one WebStandardStreamableHTTPServerTransport per
// Mcp-Session-Id. The same factory builds every instance.
//
// Tools: add (a + b), echo (a log notification and two progress notifications before its result),
// confirm (form elicitation) and summarize (sampling). confirm and summarize return inputRequired(...):
// at 2026-07-28 the client answers the input requests and retries; in a legacy session the SDK's shim sends
// them as real server-to-client requests and re-enters the handler. Resource template greeting://{name},
// prompt review_code.
// The SDK packages are resolved from $MCPKIT_PEERS (see scripts/peers.sh).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(process.env.MCPKIT_PEERS + '/');
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const {
  McpServer, ResourceTemplate, WebStandardStreamableHTTPServerTransport, createMcpHandler, isLegacyRequest,
  isInitializeRequest, inputRequired, acceptedContent, inputResponse,
} = await load('@modelcontextprotocol/server');
const { toNodeHandler } = await load('@modelcontextprotocol/node');
const { z } = await load('zod');

const text = (t) => ({ content: [{ type: 'text', text: t }] });

function factory() {
  const server = new McpServer({ name: 'ts-interop-server', version: '2.4.0' },
    { capabilities: { logging: {} } });

  server.registerTool('add', {
    description: 'Add two numbers',
    inputSchema: z.object({ a: z.number(), b: z.number() }),
  }, async ({ a, b }) => text(String(a + b)));

  server.registerTool('echo', {
    description: 'Echo a message after a log and two progress notifications',
    inputSchema: z.object({ message: z.string() }),
  }, async ({ message }, ctx) => {
    await ctx.mcpReq.log('info', `echoing ${message}`, 'tsserver');
    const token = ctx.mcpReq._meta?.progressToken;
    if (token !== undefined) {
      for (const progress of [1, 2]) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken: token, progress, total: 2, message: `step ${progress}` },
        });
      }
    }
    return text(`Echo: ${message}`);
  });

  const confirmation = z.object({ confirm: z.boolean(), name: z.string() });
  server.registerTool('confirm', {
    description: 'Ask the user (form elicitation) before acting',
    inputSchema: z.object({ action: z.string() }),
  }, async ({ action }, ctx) => {
    const view = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
    if (view.kind === 'missing') {
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({ message: `Really ${action}?`, requestedSchema: confirmation }),
        },
      });
    }
    if (view.kind !== 'elicit' || view.action !== 'accept') {
      return text(`not confirmed (${view.kind === 'elicit' ? view.action : view.kind})`);
    }
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', confirmation);
    if (!answer) return { ...text('invalid confirmation'), isError: true };
    return text(`${action}: confirm=${answer.confirm} by ${answer.name}`);
  });

  server.registerTool('summarize', {
    description: 'Summarize a text with the client\'s model (sampling)',
    inputSchema: z.object({ text: z.string() }),
  }, async ({ text: input }, ctx) => {
    const view = inputResponse(ctx.mcpReq.inputResponses, 'summary');
    if (view.kind !== 'sampling') {
      return inputRequired({
        inputRequests: {
          summary: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${input}` } }],
            maxTokens: 50,
          }),
        },
      });
    }
    const content = Array.isArray(view.result.content) ? view.result.content[0] : view.result.content;
    return text(`summary by ${view.result.model}: ${content?.text ?? '?'}`);
  });

  server.registerResource('greeting', new ResourceTemplate('greeting://{name}', { list: undefined }),
    { description: 'A personalized greeting', mimeType: 'text/plain' },
    async (uri, { name }) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Hello, ${name}!` }] }));

  server.registerPrompt('review_code', {
    description: 'Review a piece of code',
    argsSchema: z.object({ code: z.string() }),
  }, ({ code }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Please review this code:\n\n${code}` } }],
  }));
  return server;
}

const onerror = (err) => console.error('tsserver:', err?.message ?? err);
const modern = createMcpHandler(factory, { legacy: 'reject', onerror });

// Legacy sessions: Mcp-Session-Id → transport.
const sessions = new Map();
const jsonError = (status, message) => new Response(
  JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }),
  { status, headers: { 'content-type': 'application/json' } });

async function legacy(request) {
  const sid = request.headers.get('mcp-session-id');
  if (sid) {
    const transport = sessions.get(sid);
    return transport ? transport.handleRequest(request) : jsonError(404, 'Session not found');
  }
  let body;
  if (request.method === 'POST') {
    try { body = await request.clone().json(); } catch { body = undefined; }
  }
  if (!body || Array.isArray(body) || !isInitializeRequest(body)) {
    return jsonError(400, 'Bad Request: no session; send initialize first');
  }
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => { sessions.set(id, transport); },
    onsessionclosed: (id) => { sessions.delete(id); },
  });
  transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
  await factory().connect(transport);
  return transport.handleRequest(request);
}

const handler = toNodeHandler({
  fetch: async (request) => ((await isLegacyRequest(request)) ? legacy(request) : modern.fetch(request)),
}, { onerror });

const port = Number(process.argv[2] ?? 0);
const http = createServer((req, res) => {
  if (new URL(req.url, 'http://x').pathname !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  handler(req, res).catch((err) => {
    onerror(err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
http.listen(port, '127.0.0.1', () => {
  console.log(http.address().port);
});
const stop = async () => {
  for (const t of sessions.values()) await t.close().catch(() => {});
  await modern.close().catch(() => {});
  http.close();
  http.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
