// Drives an MCP server's tasks with a TypeScript task client, and prints what it saw as one JSON line.
// Usage: node taskclient.mjs <url> <mode> [confirm]; mode:
//   v1          @modelcontextprotocol/sdk 1.32.2, 2025-11-25: client.experimental.tasks (callToolStream,
//               getTask, getTaskResult, cancelTask, listTasks) and notifications/tasks/status.
//   v1-sse      the same over HTTP+SSE (SSEClientTransport; url is the /sse endpoint).
//   ext-legacy  @modelcontextprotocol/ext-tasks 0.2.2 on @modelcontextprotocol/client 2.4.0 in a legacy
//               session (2025-11-25 task shape).
//   ext-modern  @modelcontextprotocol/ext-tasks 0.2.2 on @modelcontextprotocol/client 2.4.0 pinned to
//               2026-07-28 (the io.modelcontextprotocol/tasks extension). The v2 Client's own request path
//               refuses the extension's wire shapes, so, as ext-tasks documents, the host supplies
//               rawDispatch: here a second StreamableHTTPClientTransport that POSTs the framed request.
// The server must offer the tools slow_add {a, b} (a task that completes with the text a+b), block {} (a task
// that works until cancelled) and fail {} (a task that ends failed). The script calls slow_add{2,3}, block
// (then cancels it, then cancels it again) and fail, lists tasks where the shape has tasks/list, and reports
// each step's observations; it judges nothing (the Go test does). With "confirm" it also calls
// confirm {action: "deploy"}, a task that asks for a form elicitation; the client accepts with
// {confirm: true} and reports the question it saw (message, related task, how it travelled).
// The SDK packages are resolved from $MCPKIT_PEERS (see scripts/peers.sh).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [url, mode, extra] = process.argv.slice(2);
const confirm = extra === 'confirm';
const require = createRequire(process.env.MCPKIT_PEERS + '/');
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
// loadESM imports a package's ESM entry ("import" condition of its exports map): ext-tasks has no CommonJS
// build, and it must share one module instance of @modelcontextprotocol/client with this script (it
// checks errors with instanceof).
const loadESM = async (name, subpath = '.') => {
  const dir = path.join(process.env.MCPKIT_PEERS, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  let entry = pkg.exports?.[subpath];
  if (entry && typeof entry === 'object') entry = entry.import ?? entry.default;
  if (entry && typeof entry === 'object') entry = entry.default;
  if (typeof entry !== 'string') throw new Error(`${name}: no ESM entry for ${subpath}`);
  return import(pathToFileURL(path.join(dir, entry)).href);
};

const out = { mode };
const print = () => console.log(JSON.stringify(out));
// A hard bound: whatever hangs, the script reports and exits.
setTimeout(() => {
  out.ok = false;
  out.error = `timed out; observations so far kept (last step: ${out.step ?? 'connect'})`;
  print();
  process.exit(3);
}, Number(process.env.TASKCLIENT_TIMEOUT_MS ?? 45000)).unref();

const errInfo = (err) => err === undefined || err === null ? null : ({
  name: err.constructor?.name ?? 'Error',
  code: err.code ?? null,
  message: String(err.message ?? err),
});
const firstText = (result) => result?.content?.find?.((c) => c.type === 'text')?.text ?? null;
const TTL = 60000;
// The elicitations the client answered.
const asked = [];

// ---------- v1: @modelcontextprotocol/sdk experimental tasks ----------
async function runV1(sse) {
  const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await load('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const { TaskStatusNotificationSchema, CallToolResultSchema, ElicitRequestSchema } = await load('@modelcontextprotocol/sdk/types.js');
  const client = new Client({ name: 'interop-tasks-v1', version: '1.0.0' },
    { capabilities: { tasks: { list: {}, cancel: {} }, elicitation: { form: {} } }, defaultTaskPollInterval: 50 });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push({ message: request.params.message, relatedTask: request.params._meta?.['io.modelcontextprotocol/related-task']?.taskId ?? null });
    return { action: 'accept', content: { confirm: true } };
  });
  const notified = [];
  client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
    notified.push({ taskId: n.params.taskId, status: n.params.status });
  });
  let transport;
  if (sse) {
    const { SSEClientTransport } = await load('@modelcontextprotocol/sdk/client/sse.js');
    transport = new SSEClientTransport(new URL(url));
  } else {
    transport = new StreamableHTTPClientTransport(new URL(url));
  }
  // The client hands the negotiated version to the transport; SSEClientTransport does not expose it.
  let negotiated = null;
  const setVersion = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (v) => { negotiated = v; setVersion?.(v); };
  await client.connect(transport);
  out.protocolVersion = negotiated;
  out.serverTasks = client.getServerCapabilities()?.tasks ?? null;
  out.tools = Object.fromEntries((await client.listTools()).tools.map((t) => [t.name, t.execution?.taskSupport ?? null]));

  // drain runs a callToolStream and records its messages; onCreated runs when the task handle arrives.
  const drain = async (name, args, onCreated) => {
    const seen = { messages: [], statuses: [] };
    const stream = client.experimental.tasks.callToolStream({ name, arguments: args }, undefined, { task: { ttl: TTL } });
    for await (const m of stream) {
      seen.messages.push(m.type);
      if (m.type === 'taskCreated') {
        seen.taskId = m.task.taskId;
        seen.created = { status: m.task.status, ttl: m.task.ttl ?? null, pollInterval: m.task.pollInterval ?? null };
        if (onCreated) await onCreated(m.task.taskId, seen);
      } else if (m.type === 'taskStatus') {
        seen.statuses.push(m.task.status);
        if (m.task.statusMessage) seen.statusMessage = m.task.statusMessage;
      } else if (m.type === 'result') {
        seen.result = { text: firstText(m.result), isError: m.result.isError === true, relatedTask: m.result._meta?.['io.modelcontextprotocol/related-task']?.taskId ?? null };
      } else if (m.type === 'error') {
        seen.streamError = errInfo(m.error);
      }
    }
    return seen;
  };

  out.step = 'add';
  out.add = await drain('slow_add', { a: 2, b: 3 });

  out.step = 'cancel';
  out.cancel = await drain('block', {}, async (taskId, seen) => {
    const r = await client.experimental.tasks.cancelTask(taskId);
    seen.cancelStatus = r.status;
  });
  if (out.cancel.taskId) {
    out.cancel.getStatus = (await client.experimental.tasks.getTask(out.cancel.taskId)).status;
    try {
      await client.experimental.tasks.cancelTask(out.cancel.taskId);
      out.cancel.recancelError = null;
    } catch (err) {
      out.cancel.recancelError = errInfo(err);
    }
  }

  out.step = 'fail';
  out.fail = await drain('fail', {});
  if (out.fail.taskId) {
    const t = await client.experimental.tasks.getTask(out.fail.taskId);
    out.fail.getStatus = t.status;
    out.fail.getStatusMessage = t.statusMessage ?? null;
    try {
      const r = await client.experimental.tasks.getTaskResult(out.fail.taskId, CallToolResultSchema);
      out.fail.taskResult = { text: firstText(r), isError: r.isError === true };
    } catch (err) {
      out.fail.taskResultError = errInfo(err);
    }
  }

  if (confirm) {
    out.step = 'confirm';
    out.confirm = await drain('confirm', { action: 'deploy' });
    out.confirm.asked = asked;
  }

  out.step = 'list';
  const listed = [];
  let cursor;
  for (let page = 0; page < 20; page++) {
    const r = await client.experimental.tasks.listTasks(cursor);
    for (const t of r.tasks) listed.push({ taskId: t.taskId, status: t.status });
    cursor = r.nextCursor;
    if (!cursor) break;
  }
  out.list = listed;
  out.notified = notified;
  await client.close();
}

// ---------- ext-tasks on the v2 Client ----------
async function runExt(modern) {
  const { Client, StreamableHTTPClientTransport } = await loadESM('@modelcontextprotocol/client');
  const ext = await loadESM('@modelcontextprotocol/ext-tasks', './client');
  const clientInfo = { name: 'interop-tasks-ext', version: '1.0.0' };
  const clientCapabilities = { elicitation: { form: {} } };
  const client = new Client(clientInfo, {
    capabilities: clientCapabilities,
    ...(modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
  });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  out.protocolVersion = transport.protocolVersion ?? null;
  out.era = client.getProtocolEra?.() ?? null;
  const caps = client.getServerCapabilities();
  out.serverTasks = modern ? (caps?.extensions?.['io.modelcontextprotocol/tasks'] ?? null) : (caps?.tasks ?? null);
  out.tools = Object.fromEntries((await client.listTools()).tools.map((t) => [t.name, t.execution?.taskSupport ?? null]));

  let raw;
  const options = {
    endpointId: 'interop-' + mode,
    onInputRequest: async (request, context) => {
      asked.push({ kind: request.kind, message: request.params?.message ?? null, delivery: context.delivery, taskId: context.taskId ?? null });
      if (request.kind !== 'elicitation') throw new Error(`unexpected input request ${request.kind}`);
      return { action: 'accept', content: { confirm: true } };
    },
  };
  if (modern) {
    raw = await rawDispatcher(StreamableHTTPClientTransport);
    options.rawDispatch = raw.dispatch;
    options.v2RequestFraming = { protocolVersion: '2026-07-28', clientInfo, clientCapabilities };
  }
  const session = ext.createTaskSessionFromClient(client, options);
  out.generation = session.capabilities ? { ...session.capabilities } : null;
  const view = (t) => t ? { status: t.status, ttl: t.retentionMs ?? null, pollInterval: t.suggestedPollIntervalMs ?? null, statusMessage: t.statusMessage ?? null } : null;
  const outcomeInfo = (o) => ({
    status: o.status,
    text: o.status === 'completed' ? firstText(o.result) : null,
    isError: o.status === 'completed' ? o.result?.isError === true : null,
    error: o.status === 'failed' ? errInfo(o.error) : null,
  });
  try {
    out.step = 'add';
    const add = await session.callTool('slow_add', { a: 2, b: 3 }, { task: { preference: 'require', retentionMs: TTL } });
    out.add = { kind: add.kind, taskId: add.handle?.taskId ?? null, statuses: [] };
    const settled = await add.settle({ onEvent: (e) => { if (e.type === 'task') out.add.statuses.push(e.task.status); } });
    out.add.outcome = outcomeInfo(settled.outcome);
    out.add.last = view(settled.lastTask);

    out.step = 'cancel';
    const block = await session.callTool('block', {}, { task: { preference: 'require', retentionMs: TTL } });
    out.cancel = { kind: block.kind, taskId: block.handle?.taskId ?? null };
    if (block.kind === 'task') {
      const controller = session.task(block.handle.taskId);
      out.cancel.before = view(await controller.snapshot());
      await block.cancel();
      out.cancel.outcome = outcomeInfo(await block.result());
      out.cancel.after = view(await controller.snapshot());
      try {
        await controller.cancel();
        out.cancel.recancelError = null;
      } catch (err) {
        out.cancel.recancelError = errInfo(err);
      }
    }

    out.step = 'fail';
    const fail = await session.callTool('fail', {}, { task: { preference: 'require', retentionMs: TTL } });
    out.fail = { kind: fail.kind, taskId: fail.handle?.taskId ?? null };
    const failed = await fail.settle();
    out.fail.outcome = outcomeInfo(failed.outcome);
    out.fail.last = view(failed.lastTask);

    if (confirm) {
      out.step = 'confirm';
      const c = await session.callTool('confirm', { action: 'deploy' }, { task: { preference: 'require', retentionMs: TTL } });
      out.confirm = { kind: c.kind, taskId: c.handle?.taskId ?? null, statuses: [] };
      const settled = await c.settle({ onEvent: (e) => { if (e.type === 'task') out.confirm.statuses.push(e.task.status); } });
      out.confirm.outcome = outcomeInfo(settled.outcome);
      out.confirm.asked = asked;
    }

    out.step = 'list';
    if (session.capabilities.inventory === 'server-list') {
      const page = await session.listTasks();
      out.list = page.tasks.map((t) => ({ taskId: t.taskId, status: t.status }));
    } else {
      out.list = null;
    }
  } finally {
    await session.close().catch(() => {});
    await raw?.close();
    await client.close();
  }
}

// rawDispatcher returns the host-owned request path ext-tasks needs at 2026-07-28: the framed request is
// sent as is over its own Streamable HTTP transport (which derives MCP-Protocol-Version, Mcp-Method and
// Mcp-Name from the body), and the response is matched by id.
async function rawDispatcher(StreamableHTTPClientTransport) {
  const t = new StreamableHTTPClientTransport(new URL(url));
  const pending = new Map();
  let next = 1;
  t.onmessage = (m) => {
    const p = m && 'id' in m ? pending.get(m.id) : undefined;
    if (!p) return;
    pending.delete(m.id);
    if ('error' in m) p.resolve({ kind: 'error', error: m.error });
    else p.resolve({ kind: 'result', result: m.result });
  };
  t.onerror = (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  await t.start();
  return {
    dispatch: (request, opts = {}) => new Promise((resolve, reject) => {
      const id = `raw-${next++}`;
      pending.set(id, { resolve, reject });
      opts.signal?.addEventListener('abort', () => {
        if (pending.delete(id)) reject(opts.signal.reason ?? new Error('aborted'));
      }, { once: true });
      t.send({ ...request, jsonrpc: '2.0', id }).catch((err) => {
        if (pending.delete(id)) reject(err);
      });
    }),
    close: () => t.close().catch(() => {}),
  };
}

try {
  if (mode === 'v1') await runV1(false);
  else if (mode === 'v1-sse') await runV1(true);
  else if (mode === 'ext-legacy') await runExt(false);
  else if (mode === 'ext-modern') await runExt(true);
  else throw new Error(`unknown mode ${mode}`);
  out.ok = true;
  delete out.step;
} catch (err) {
  out.ok = false;
  out.error = String(err?.stack ?? err);
}
print();
process.exit(0);
