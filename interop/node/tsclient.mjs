// Drives an MCP server with the TypeScript SDK as a real peer would, and prints what it saw as JSON.
// Usage: node tsclient.mjs <url> <mode> [interact]; mode: v1 | v1-sse | v2-legacy | v2-auto | v2-modern.
// With "interact" the client registers elicitation and sampling handlers and calls the demo's book_trip
// and create_product tools instead (server-to-client requests in legacy modes, input_required rounds in
// 2026-07-28 mode).
// The SDK packages are resolved from $MCPKIT_PEERS (see scripts/peers.sh).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [url, mode, action] = process.argv.slice(2);
const interact = action === 'interact';
const capabilities = interact ? { capabilities: { elicitation: { form: {} }, sampling: {} } } : {};
// The answers the handlers give, and what they saw.
const seen = { elicitations: [], samplings: [] };
function addHandlers(client) {
  if (!interact) return;
  client.setRequestHandler('elicitation/create', async (request) => {
    seen.elicitations.push(request.params.message);
    const props = request.params.requestedSchema?.properties ?? {};
    return { action: 'accept', content: { checkAlternative: true, alternativeDate: props.alternativeDate?.default ?? 'none' } };
  });
  client.setRequestHandler('sampling/createMessage', async (request) => {
    seen.samplings.push(request.params.messages.at(-1)?.content?.text ?? '');
    return { model: 'interop-model', role: 'assistant', content: { type: 'text', text: 'Sampled description.' } };
  });
}
const require = createRequire(process.env.MCPKIT_PEERS + '/');
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

// SDK v1 registers handlers by request schema.
async function addV1Handlers(client) {
  if (!interact) return;
  const { ElicitRequestSchema, CreateMessageRequestSchema } = await load('@modelcontextprotocol/sdk/types.js');
  const byMethod = {};
  addHandlers({ setRequestHandler: (method, fn) => { byMethod[method] = fn; } });
  client.setRequestHandler(ElicitRequestSchema, byMethod['elicitation/create']);
  client.setRequestHandler(CreateMessageRequestSchema, byMethod['sampling/createMessage']);
}

async function connect() {
  if (mode === 'v1-sse') {
    const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
    const { SSEClientTransport } = await load('@modelcontextprotocol/sdk/client/sse.js');
    const client = new Client({ name: 'interop-v1-sse', version: '1.0.0' }, capabilities);
    await addV1Handlers(client);
    const transport = new SSEClientTransport(new URL(url));
    await client.connect(transport);
    // HTTP+SSE has no session header: the stream is the session.
    return { client, transport: { sessionId: 'sse-stream' }, version: transport.protocolVersion ?? null };
  }
  if (mode === 'v1') {
    const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await load('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const client = new Client({ name: 'interop-v1', version: '1.0.0' }, capabilities);
    await addV1Handlers(client);
    const transport = new StreamableHTTPClientTransport(new URL(url));
    await client.connect(transport);
    return { client, transport, version: transport.protocolVersion ?? null };
  }
  const { Client, StreamableHTTPClientTransport } = await load('@modelcontextprotocol/client');
  const negotiation = {
    'v2-legacy': undefined,
    'v2-auto': { mode: 'auto' },
    'v2-modern': { mode: { pin: '2026-07-28' } },
  }[mode];
  const client = new Client({ name: 'interop-v2', version: '1.0.0' }, { ...capabilities, ...(negotiation ? { versionNegotiation: negotiation } : {}) });
  addHandlers(client);
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport, version: transport.protocolVersion ?? null };
}

const out = { mode };
try {
  const { client, transport, version } = await connect();
  out.protocolVersion = version;
  out.sessionId = transport.sessionId ?? null;
  if (interact) {
    const trip = await client.callTool({ name: 'book_trip', arguments: { date: '2024-12-25' } });
    out.trip = trip.content?.[0]?.text;
    const free = await client.callTool({ name: 'book_trip', arguments: { date: '2025-03-01' } });
    out.freeTrip = free.content?.[0]?.text;
    const product = await client.callTool({ name: 'create_product', arguments: { product_name: 'Mug', keywords: 'ceramic, coffee' } });
    out.product = product.structuredContent ?? null;
    out.seen = seen;
    await client.close();
    out.ok = true;
    console.log(JSON.stringify(out));
    process.exit(0);
  }
  out.tools = (await client.listTools()).tools.map((t) => t.name);
  const add = await client.callTool({ name: 'add', arguments: { a: 5, b: 10 } });
  out.add = add.content?.[0]?.text;
  out.addStructured = add.structuredContent ?? null;
  const bad = await client.callTool({ name: 'add', arguments: { a: 'five', b: 10 } });
  out.badIsError = bad.isError === true;
  out.badText = bad.content?.[0]?.text;
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
  out.echo = echo.content?.[0]?.text;
  const res = await client.readResource({ uri: 'greeting://Alice' });
  out.greeting = res.contents?.[0]?.text;
  const prompt = await client.getPrompt({ name: 'review_code', arguments: { code: 'x := 1' } });
  out.prompt = prompt.messages?.[0]?.content?.text;
  await client.close();
  out.ok = true;
} catch (err) {
  out.ok = false;
  out.error = String(err?.stack ?? err);
}
console.log(JSON.stringify(out));
