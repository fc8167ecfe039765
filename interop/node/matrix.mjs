// The TypeScript SDK driver of the peer matrix (interop/matrix_test.go): connects to one endpoint with one
// SDK in one era, runs the plan (tools, resources, prompts, and the elicitation and sampling round trips
// with handlers that answer from the plan), and prints what it saw as one JSON object. Each step's failure
// is recorded under errors[step] and the next step still runs, so one report shows every failing step.
// Usage: node matrix.mjs <sdk> <kind> <target> <plan-json>
//   sdk:    v1 (@modelcontextprotocol/sdk) | v2-legacy | v2-modern (@modelcontextprotocol/client, pinned 2026-07-28)
//   kind:   mcp (Streamable HTTP) | sse (HTTP+SSE) | stdio
//   target: the URL, or for stdio a JSON array: the command and its arguments
// The SDK packages are resolved from $MCPKIT_PEERS (see scripts/peers.sh).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [sdk, kind, target, planJSON] = process.argv.slice(2);
const plan = JSON.parse(planJSON);
const require = createRequire(process.env.MCPKIT_PEERS + '/');
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

const out = { errors: {}, elicitSeen: [], sampleSeen: [] };
const capabilities = { capabilities: { elicitation: { form: {} }, sampling: {} } };

// textOf flattens a content block, or an array of them, to its text.
function textOf(content) {
  if (content == null) return '';
  if (Array.isArray(content)) return content.map(textOf).join('\n');
  return content.type === 'text' ? content.text : '';
}

async function onElicit(request) {
  out.elicitSeen.push(request.params.message ?? '');
  return { action: 'accept', content: plan.elicit?.answer ?? {} };
}

async function onSample(request) {
  out.sampleSeen.push((request.params.messages ?? []).map((m) => textOf(m.content)).join('\n'));
  return { model: 'matrix-model', role: 'assistant', content: { type: 'text', text: plan.sample?.reply ?? '' } };
}

function stdioParams() {
  const [command, ...args] = JSON.parse(target);
  return { command, args, env: process.env, stderr: 'inherit' };
}

async function connect() {
  if (sdk === 'v1') {
    const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
    const { ElicitRequestSchema, CreateMessageRequestSchema } = await load('@modelcontextprotocol/sdk/types.js');
    const client = new Client({ name: 'matrix-v1', version: '1.0.0' }, capabilities);
    client.setRequestHandler(ElicitRequestSchema, onElicit);
    client.setRequestHandler(CreateMessageRequestSchema, onSample);
    let transport;
    if (kind === 'stdio') {
      const { StdioClientTransport } = await load('@modelcontextprotocol/sdk/client/stdio.js');
      transport = new StdioClientTransport(stdioParams());
    } else if (kind === 'sse') {
      const { SSEClientTransport } = await load('@modelcontextprotocol/sdk/client/sse.js');
      transport = new SSEClientTransport(new URL(target));
    } else {
      const { StreamableHTTPClientTransport } = await load('@modelcontextprotocol/sdk/client/streamableHttp.js');
      transport = new StreamableHTTPClientTransport(new URL(target));
    }
    await client.connect(transport);
    return client;
  }
  const v2 = await load('@modelcontextprotocol/client');
  const negotiation = { 'v2-legacy': undefined, 'v2-modern': { mode: { pin: '2026-07-28' } } }[sdk];
  if (!(sdk in { 'v2-legacy': 1, 'v2-modern': 1 })) throw new Error(`unknown sdk ${sdk}`);
  const client = new v2.Client({ name: 'matrix-v2', version: '1.0.0' },
    { ...capabilities, ...(negotiation ? { versionNegotiation: negotiation } : {}) });
  client.setRequestHandler('elicitation/create', onElicit);
  client.setRequestHandler('sampling/createMessage', onSample);
  let transport;
  if (kind === 'stdio') {
    const { StdioClientTransport } = await load('@modelcontextprotocol/client/stdio');
    transport = new StdioClientTransport(stdioParams());
  } else if (kind === 'sse') {
    transport = new v2.SSEClientTransport(new URL(target));
  } else {
    transport = new v2.StreamableHTTPClientTransport(new URL(target));
  }
  await client.connect(transport);
  return client;
}

// step runs fn, storing its value under out[name] or its failure under out.errors[name].
async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (err) {
    out.errors[name] = String(err?.message ?? err);
  }
}

// all follows nextCursor through every page of a list method.
async function all(list, key) {
  const items = [];
  let cursor;
  do {
    const page = await list(cursor === undefined ? undefined : { cursor });
    items.push(...(page[key] ?? []));
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

async function call(client, name, args) {
  const res = await client.callTool({ name, arguments: args ?? {} });
  let text = textOf(res.content ?? []);
  if (res.structuredContent !== undefined) text += '\n' + JSON.stringify(res.structuredContent);
  if (res.isError) throw new Error('isError: ' + text);
  return text;
}

let client;
try {
  client = await connect();
} catch (err) {
  out.errors.connect = String(err?.stack ?? err);
}
if (client) {
  await step('tools', async () => (await all((p) => client.listTools(p), 'tools')).map((t) => t.name));
  await step('toolText', () => call(client, plan.tool, plan.toolArgs));
  await step('resources', async () => (await all((p) => client.listResources(p), 'resources')).map((r) => r.uri));
  await step('resourceText', async () => (await client.readResource({ uri: plan.resource })).contents.map((c) => c.text ?? '').join('\n'));
  await step('prompts', async () => (await all((p) => client.listPrompts(p), 'prompts')).map((p) => p.name));
  await step('promptText', async () => (await client.getPrompt({ name: plan.prompt, arguments: plan.promptArgs ?? {} })).messages.map((m) => textOf(m.content)).join('\n'));
  if (plan.elicit) await step('elicitText', () => call(client, plan.elicit.tool, plan.elicit.args));
  if (plan.sample) await step('sampleText', () => call(client, plan.sample.tool, plan.sample.args));
  out.protocolVersion = client.transport?.protocolVersion ?? client.getNegotiatedProtocolVersion?.() ?? null;
  try {
    await client.close();
  } catch (err) {
    out.errors.close = String(err?.message ?? err);
  }
}
console.log(JSON.stringify(out));
process.exit(0);
