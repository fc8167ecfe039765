// Drives a cluster of mcpkit nodes behind a balancer with the TypeScript SDK as a real peer would, one
// check per cross-node routing bullet, and prints what it saw as JSON (interop/cluster_ts_test.go reads it).
// Usage: node cluster.mjs <baseURL> <mode>; mode: v2-legacy | v2-modern | v1-sse.
// Every request goes through a fetch that notes which node served it (the balancer's X-Served-By).
// Each check is bounded (STEP_MS); the whole script by the caller.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [base, mode] = process.argv.slice(2);
const STEP_MS = 8000;
const require = createRequire(process.env.MCPKIT_PEERS + '/');
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

// served: one entry per HTTP request: {method, path, rpc, name, node, status}.
const served = [];
const recordingFetch = async (url, init = {}) => {
  const entry = { method: init.method ?? 'GET', path: new URL(String(url)).pathname, rpc: '', name: '' };
  if (typeof init.body === 'string') {
    try {
      const m = JSON.parse(init.body);
      entry.rpc = m.method ?? 'response';
      entry.name = m.params?.name ?? '';
    } catch { entry.rpc = '?'; }
  }
  served.push(entry);
  const res = await fetch(url, init);
  entry.node = res.headers.get('x-served-by') ?? '';
  entry.status = res.status;
  return res;
};
const mark = () => served.length;
const since = (m, pred) => served.slice(m).filter(pred);
const nodesOf = (list) => [...new Set(list.map((e) => e.node).filter(Boolean))];
const isCall = (tool) => (e) => e.rpc === 'tools/call' && e.name === tool;

const bound = (p, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer within ${STEP_MS} ms`)), STEP_MS))]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (res) => res.content?.[0]?.text;

// counts of notifications by key.
const counts = {};
const count = (key) => { counts[key] = (counts[key] ?? 0) + 1; };
let logs = 0;

const capabilities = { capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} } };
const handlers = {
  'elicitation/create': async () => ({ action: 'accept', content: { checkAlternative: true, alternativeDate: '2024-12-26' } }),
  'sampling/createMessage': async () => ({ model: 'e2e', role: 'assistant', content: { type: 'text', text: 'Sampled across nodes.' } }),
  'roots/list': async () => ({ roots: [{ uri: 'file:///e2e-ts' }] }),
};
const notifications = {
  'notifications/resources/updated': (n) => count('updated ' + n.params.uri),
  'notifications/tools/list_changed': () => count('tools'),
  'notifications/prompts/list_changed': () => count('prompts'),
  'notifications/resources/list_changed': () => count('resources'),
  'notifications/message': () => { logs++; },
};

async function connect() {
  if (mode === 'v1-sse') {
    const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
    const { SSEClientTransport } = await load('@modelcontextprotocol/sdk/client/sse.js');
    const types = await load('@modelcontextprotocol/sdk/types.js');
    const client = new Client({ name: 'e2e-v1-sse', version: '1.0.0' }, capabilities);
    client.setRequestHandler(types.ElicitRequestSchema, handlers['elicitation/create']);
    client.setRequestHandler(types.CreateMessageRequestSchema, handlers['sampling/createMessage']);
    client.setRequestHandler(types.ListRootsRequestSchema, handlers['roots/list']);
    client.setNotificationHandler(types.ResourceUpdatedNotificationSchema, notifications['notifications/resources/updated']);
    client.setNotificationHandler(types.ToolListChangedNotificationSchema, notifications['notifications/tools/list_changed']);
    client.setNotificationHandler(types.PromptListChangedNotificationSchema, notifications['notifications/prompts/list_changed']);
    client.setNotificationHandler(types.ResourceListChangedNotificationSchema, notifications['notifications/resources/list_changed']);
    client.setNotificationHandler(types.LoggingMessageNotificationSchema, notifications['notifications/message']);
    const transport = new SSEClientTransport(new URL(base + '/sse'), { fetch: recordingFetch });
    await client.connect(transport);
    return { client, transport };
  }
  const { Client, StreamableHTTPClientTransport } = await load('@modelcontextprotocol/client');
  const negotiation = mode === 'v2-modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {};
  const client = new Client({ name: 'e2e-' + mode, version: '1.0.0' }, { ...capabilities, ...negotiation });
  for (const [method, fn] of Object.entries(handlers)) client.setRequestHandler(method, fn);
  for (const [method, fn] of Object.entries(notifications)) client.setNotificationHandler(method, fn);
  const transport = new StreamableHTTPClientTransport(new URL(base + '/mcp'), { fetch: recordingFetch });
  await client.connect(transport);
  return { client, transport };
}

const out = { mode, checks: {} };
const legacy = mode !== 'v2-modern';
// The node holding the session's stream: /sse for HTTP+SSE, the GET stream of a legacy session.
const holder = () => served.find((e) => e.method === 'GET' && (e.path === '/sse' || e.path === '/mcp'))?.node ?? '';

// check runs one named check; fn returns {ok, ...detail}; a throw is a failure with its message.
async function check(name, fn) {
  try {
    out.checks[name] = await fn();
  } catch (err) {
    out.checks[name] = { ok: false, error: String(err?.message ?? err) };
  }
}

try {
  const { client, transport } = await connect();
  out.sessionId = transport.sessionId ?? null;
  out.protocolVersion = transport.protocolVersion ?? null;

  await check('any-node', async () => {
    const m = mark();
    for (let i = 0; i < 6; i++) {
      const res = await bound(client.callTool({ name: 'add', arguments: { a: i, b: 1 } }), 'add');
      if (text(res) !== String(i + 1)) return { ok: false, error: `add ${i}+1 = ${text(res)}` };
    }
    return { ok: true, nodes: nodesOf(since(m, isCall('add'))), holder: holder() };
  });

  // An interactive call: what it returned, where it was asked and where the answer (or retry) landed.
  const interact = async (tool, args, want, pick = text) => {
    const m = mark();
    const res = await bound(client.callTool({ name: tool, arguments: args }), tool);
    const got = pick(res);
    await sleep(100); // the POST carrying the answer may not have its own response yet
    const calls = since(m, isCall(tool));
    const answers = since(m, (e) => e.rpc === 'response');
    let from = '', to = '';
    if (!legacy && calls.length >= 2) [from, to] = [calls[0].node, calls.at(-1).node];
    else if (mode === 'v1-sse' && answers.length) [from, to] = [holder(), answers[0].node];
    else if (calls.length && answers.length) [from, to] = [calls[0].node, answers[0].node];
    return { ok: got === want, got, from, to, crossed: !!from && !!to && from !== to };
  };
  await check('elicitation', () => interact('book_trip', { date: '2024-12-25' }, '[SUCCESS] Booked for 2024-12-26'));
  await check('sampling', () => interact('create_product', { product_name: 'Mug', keywords: 'ceramic' }, 'Sampled across nodes.',
    (res) => res.structuredContent?.description));
  await check('roots', () => interact('list_roots', {}, 'roots: file:///e2e-ts'));

  if (legacy) {
    await check('cancel', async () => {
      const id = `ts-${mode}-${Date.now()}`;
      const ac = new AbortController();
      const params = { name: 'wait', arguments: { seconds: 20, id } };
      // SDK v1's callTool takes a result schema before the options.
      const call = mode === 'v1-sse' ? client.callTool(params, undefined, { signal: ac.signal }) : client.callTool(params, { signal: ac.signal });
      await sleep(1000);
      const m = mark();
      ac.abort();
      const err = await bound(call.then(() => null, (e) => e), 'cancelled wait ' + id);
      await sleep(200); // the cancel notification is sent right after the abort
      return { ok: err !== null, id, error: err === null ? 'the call was not aborted' : undefined,
        cancelNodes: nodesOf(since(m, (e) => e.rpc === 'notifications/cancelled')) };
    });
  }

  await check('changes', async () => {
    const uri = `demo://e2e/ts/${mode}/${Date.now()}`;
    let sub;
    if (legacy) await bound(client.subscribeResource({ uri }), 'subscribe');
    else sub = await bound(client.listen({ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true, resourceSubscriptions: [uri] }), 'listen');
    const m = mark();
    for (const args of [{ uri }, { uri }, { uri }, { list: 'tools' }, { list: 'prompts' }, { list: 'resources' }]) {
      await bound(client.callTool({ name: 'notify_change', arguments: args }), 'notify_change');
    }
    const want = { ['updated ' + uri]: 3, tools: 1, prompts: 1, resources: 1 };
    const reached = () => Object.entries(want).every(([k, n]) => (counts[k] ?? 0) >= n);
    for (const t0 = Date.now(); !reached() && Date.now() - t0 < STEP_MS;) await sleep(20);
    await sleep(300); // duplicates, if any, arrive right behind
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, counts[k] ?? 0]));
    await sub?.close();
    return { ok: Object.entries(want).every(([k, n]) => got[k] === n), got: { updated: got['updated ' + uri], tools: got.tools, prompts: got.prompts, resources: got.resources },
      makers: nodesOf(since(m, isCall('notify_change'))), holder: legacy ? holder() : nodesOf(served.filter((e) => e.rpc === 'subscriptions/listen')).join(',') };
  });

  if (legacy) {
    await check('logs', async () => {
      // The other nodes learn of a setLevel from the bus ("changed"), asynchronously: an echo reaching one of
      // them within the bus's latency is still served at the old level (docs/SCALING.md). So each round of
      // three echo calls is repeated, for 2 s at most, until every node honours the level set.
      const rounds = async (want) => {
        let tries = 0;
        for (const t0 = Date.now(); ;) {
          tries++;
          logs = 0;
          for (let i = 0; i < 3; i++) await bound(client.callTool({ name: 'echo', arguments: { message: 'x' } }), 'echo');
          await sleep(200);
          if (logs === want || Date.now() - t0 > 2000) return { got: logs, tries };
        }
      };
      await bound(client.setLoggingLevel('error'), 'setLevel error');
      const atError = await rounds(0);
      const m = mark();
      await bound(client.setLoggingLevel('info'), 'setLevel info');
      const setOn = nodesOf(since(m, (e) => e.rpc === 'logging/setLevel'));
      const atInfo = await rounds(9);
      return { ok: atError.got === 0 && atInfo.got === 9, atError: atError.got, atInfo: atInfo.got, tries: [atError.tries, atInfo.tries], setOn, echoNodes: nodesOf(since(m, isCall('echo'))) };
    });
  } else {
    await check('requeststate', async () => {
      let ok = 0, crossed = 0;
      for (let i = 0; i < 10; i++) {
        const r = await interact('book_trip', { date: '2024-12-25' }, '[SUCCESS] Booked for 2024-12-26');
        if (r.ok) ok++;
        if (r.crossed) crossed++;
      }
      return { ok: ok === 10, calls: 10, succeeded: ok, crossed };
    });
  }

  if (mode === 'v2-legacy') {
    await check('delete', async () => {
      const m = mark();
      await bound(transport.terminateSession(), 'DELETE');
      const del = since(m, (e) => e.method === 'DELETE');
      return { ok: del.length === 1 && del[0].status < 300, status: del[0]?.status, node: del[0]?.node };
    });
  }
  await client.close().catch(() => {});
  out.ok = true;
} catch (err) {
  out.ok = false;
  out.error = String(err?.stack ?? err);
}
console.log(JSON.stringify(out));
process.exit(0);
