// Drives an MCP server with the TypeScript SDK as a real peer would, and prints what it saw as JSON.
// Usage: node tsclient.mjs <url> <mode>; mode: v1 | v1-sse | v2-legacy | v2-auto | v2-modern.
// The SDK packages are resolved from $MCPKIT_PEERS (see scripts/peers.sh).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [url, mode] = process.argv.slice(2);
const require = createRequire(process.env.MCPKIT_PEERS + '/');
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

async function connect() {
  if (mode === 'v1-sse') {
    const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
    const { SSEClientTransport } = await load('@modelcontextprotocol/sdk/client/sse.js');
    const client = new Client({ name: 'interop-v1-sse', version: '1.0.0' });
    const transport = new SSEClientTransport(new URL(url));
    await client.connect(transport);
    // HTTP+SSE has no session header: the stream is the session.
    return { client, transport: { sessionId: 'sse-stream' }, version: transport.protocolVersion ?? null };
  }
  if (mode === 'v1') {
    const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await load('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const client = new Client({ name: 'interop-v1', version: '1.0.0' });
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
  const client = new Client({ name: 'interop-v2', version: '1.0.0' }, negotiation ? { versionNegotiation: negotiation } : {});
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport, version: transport.protocolVersion ?? null };
}

const out = { mode };
try {
  const { client, transport, version } = await connect();
  out.protocolVersion = version;
  out.sessionId = transport.sessionId ?? null;
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
