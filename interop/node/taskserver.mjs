// A 2025-11-25 MCP server with experimental tasks, written with @modelcontextprotocol/sdk 1.32.2 (the only
// TypeScript server that runs tasks: the v2 server 2.4.0 has the task wire types but no task runtime), for
// mcpkit's client to talk to. Sessionful Streamable HTTP on 127.0.0.1 at /mcp, one McpServer and one
// StreamableHTTPServerTransport per session, one InMemoryTaskStore and InMemoryTaskMessageQueue shared by
// all (the SDK scopes its tasks to the session that created them).
// Usage: node taskserver.mjs [port]; port 0 (the default) picks a free one. The first stdout line is the port.
//
// Capabilities: tasks {list, cancel, requests.tools.call}. Tools (server.experimental.tasks.registerToolTask):
//   slow_add {a, b}  taskSupport optional: the task reports "adding" and completes after ~100 ms with the
//                    text a+b; called without `task`, the SDK runs it as a task internally and answers inline.
//   block {}         taskSupport required: the task stays working until tasks/cancel.
//   fail {}          taskSupport required: the task ends failed; tasks/result returns the stored result,
//                    a CallToolResult with isError true (this SDK's task store keeps a Result, never a
//                    JSON-RPC error).
//   confirm {action} taskSupport required: the task goes input_required and asks for a form elicitation
//                    (related to the task, so the SDK queues it and sends it on the client's tasks/result
//                    stream); it completes with "<action>: <answer action> confirm=<confirm>".
//   plain {}         no task support: an ordinary tool answering "plain".
// Task ttl: what the client asked for, else 60000 ms; pollInterval 50 ms.
// The SDK packages are resolved from $MCPKIT_PEERS (see scripts/peers.sh).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(process.env.MCPKIT_PEERS + '/');
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const { McpServer } = await load('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = await load('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { InMemoryTaskStore, InMemoryTaskMessageQueue } = await load('@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js');
const { isInitializeRequest } = await load('@modelcontextprotocol/sdk/types.js');
const { z } = await load('zod');

const taskStore = new InMemoryTaskStore();
const taskMessageQueue = new InMemoryTaskMessageQueue();
const text = (t) => ({ content: [{ type: 'text', text: t }] });
const ttlOf = (extra) => extra.taskRequestedTtl ?? 60000;
// Background work must not crash the process when the task was cancelled (terminal) meanwhile.
const quietly = (p) => p.catch((err) => console.error('taskserver:', err?.message ?? err));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function factory() {
  const server = new McpServer({ name: 'ts-task-server', version: '1.32.2' }, {
    capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    taskStore,
    taskMessageQueue,
  });
  const getTask = async (_args, extra) => extra.taskStore.getTask(extra.taskId);
  const getTaskResult = async (_args, extra) => extra.taskStore.getTaskResult(extra.taskId);

  server.experimental.tasks.registerToolTask('slow_add', {
    description: 'Add two numbers as a task',
    inputSchema: { a: z.number(), b: z.number() },
    execution: { taskSupport: 'optional' },
  }, {
    createTask: async ({ a, b }, extra) => {
      const task = await extra.taskStore.createTask({ ttl: ttlOf(extra), pollInterval: 50 });
      const store = extra.taskStore;
      quietly((async () => {
        await sleep(50);
        await store.updateTaskStatus(task.taskId, 'working', 'adding');
        await sleep(50);
        await store.storeTaskResult(task.taskId, 'completed', text(String(a + b)));
      })());
      return { task };
    },
    getTask,
    getTaskResult,
  });

  server.experimental.tasks.registerToolTask('block', {
    description: 'A task that works until it is cancelled',
    execution: { taskSupport: 'required' },
  }, {
    createTask: async (extra) => ({ task: await extra.taskStore.createTask({ ttl: ttlOf(extra), pollInterval: 50 }) }),
    getTask,
    getTaskResult,
  });

  server.experimental.tasks.registerToolTask('fail', {
    description: 'A task that fails',
    execution: { taskSupport: 'required' },
  }, {
    createTask: async (extra) => {
      const task = await extra.taskStore.createTask({ ttl: ttlOf(extra), pollInterval: 50 });
      const store = extra.taskStore;
      quietly((async () => {
        await sleep(50);
        await store.storeTaskResult(task.taskId, 'failed', { ...text('deliberate failure'), isError: true });
      })());
      return { task };
    },
    getTask,
    getTaskResult,
  });

  server.experimental.tasks.registerToolTask('confirm', {
    description: 'A task that asks the user (form elicitation) before acting',
    inputSchema: { action: z.string() },
    execution: { taskSupport: 'required' },
  }, {
    createTask: async ({ action }, extra) => {
      const task = await extra.taskStore.createTask({ ttl: ttlOf(extra), pollInterval: 50 });
      const store = extra.taskStore;
      quietly((async () => {
        await store.updateTaskStatus(task.taskId, 'input_required', 'waiting for confirmation');
        // Queued for the task (relatedTask): the SDK delivers it on the stream of the client's tasks/result.
        const answer = await server.server.elicitInput({
          mode: 'form',
          message: `Really ${action}?`,
          requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
        }, { relatedTask: { taskId: task.taskId } });
        await store.updateTaskStatus(task.taskId, 'working');
        await store.storeTaskResult(task.taskId, 'completed',
          text(`${action}: ${answer.action} confirm=${answer.content?.confirm}`));
      })());
      return { task };
    },
    getTask,
    getTaskResult,
  });

  server.registerTool('plain', { description: 'An ordinary tool' }, async () => text('plain'));
  return server;
}

// Mcp-Session-Id → transport.
const sessions = new Map();

async function handle(req, res) {
  let body;
  if (req.method === 'POST') {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
  }
  const sid = req.headers['mcp-session-id'];
  if (sid) {
    const transport = sessions.get(sid);
    if (!transport) {
      res.writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Session not found' }, id: null }));
      return;
    }
    await transport.handleRequest(req, res, body);
    return;
  }
  if (!body || Array.isArray(body) || !isInitializeRequest(body)) {
    res.writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no session; send initialize first' }, id: null }));
    return;
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => { sessions.set(id, transport); },
  });
  transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
  await factory().connect(transport);
  await transport.handleRequest(req, res, body);
}

const port = Number(process.argv[2] ?? 0);
const http = createServer((req, res) => {
  if (new URL(req.url, 'http://x').pathname !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  handle(req, res).catch((err) => {
    console.error('taskserver:', err?.message ?? err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
http.listen(port, '127.0.0.1', () => {
  console.log(http.address().port);
});
const stop = async () => {
  for (const t of sessions.values()) await t.close().catch(() => {});
  http.close();
  http.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
