// Completes the OAuth 2.1 authorization code flow headlessly with the TypeScript SDK v2 client
// (@modelcontextprotocol/client) against a protected MCP server, then calls a tool, and prints what it saw
// as JSON. Usage: node authclient.mjs <mcp-url> <mode>; mode: v2-legacy | v2-modern.
//
// Headless: the OAuthClientProvider's redirectToAuthorization fetches the authorization URL without
// following the redirect (the development authorization server in auto-approve mode answers 302 at once
// with code, state and iss for the redirect URI), checks state, and keeps the callback's query; the script
// then calls the transport's finishAuth with it and connects again. Discovery (RFC 9728, RFC 8414), dynamic
// client registration, PKCE and the resource parameter are the SDK's own.
// With a third argument "stepup" it calls the tools "read" and then "write" instead: "write" needs a scope
// the first token lacks, the server answers 403 insufficient_scope, the SDK authorizes again for the union
// of scopes (redirectToAuthorization once more), and the call is repeated after finishAuth.
// The SDK packages are resolved from $MCPKIT_PEERS (see scripts/peers.sh).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [url, mode, action] = process.argv.slice(2);
const require = createRequire(process.env.MCPKIT_PEERS + '/');
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

// The redirect URI nothing listens on: the authorization server's answer is read, not followed.
const redirectUrl = 'http://127.0.0.1/authclient-callback';

class HeadlessProvider {
  constructor() {
    this.seen = { registered: null, authorizationUrl: null, callback: null, tokens: null, authorizationScopes: [], callbackIss: [] };
    this._state = null;
  }
  get redirectUrl() { return redirectUrl; }
  get clientMetadata() {
    return {
      client_name: 'mcpkit interop authclient',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    this._state = 'st-' + Math.random().toString(36).slice(2);
    return this._state;
  }
  clientInformation() { return this._client; }
  saveClientInformation(info) { this._client = info; this.seen.registered = info.client_id; }
  tokens() { return this._tokens; }
  saveTokens(tokens) { this._tokens = tokens; this.seen.tokens = { type: tokens.token_type, scope: tokens.scope ?? null, refresh: !!tokens.refresh_token }; }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
  saveDiscoveryState(state) { this._discovery = state; }
  discoveryState() { return this._discovery; }
  async redirectToAuthorization(authorizationUrl) {
    this.seen.authorizationUrl = {
      resource: authorizationUrl.searchParams.get('resource'),
      codeChallengeMethod: authorizationUrl.searchParams.get('code_challenge_method'),
      scope: authorizationUrl.searchParams.get('scope'),
    };
    this.seen.authorizationScopes.push(authorizationUrl.searchParams.get('scope'));
    const res = await fetch(authorizationUrl, { redirect: 'manual', signal: AbortSignal.timeout(10000) });
    const location = res.headers.get('location');
    if (res.status !== 302 && res.status !== 303) throw new Error(`authorization endpoint answered ${res.status}, not a redirect`);
    const cb = new URL(location, authorizationUrl);
    if (cb.origin + cb.pathname !== redirectUrl) throw new Error(`redirected to ${cb.href}, not the redirect URI`);
    if (cb.searchParams.get('state') !== this._state) throw new Error('state mismatch in the callback');
    if (!cb.searchParams.get('code')) throw new Error(`no code in the callback: ${cb.search}`);
    this.callback = cb.searchParams;
    this.seen.callback = { iss: cb.searchParams.get('iss'), hasCode: true };
    this.seen.callbackIss.push(cb.searchParams.get('iss'));
  }
}

const out = { mode, ok: false };
try {
  const { Client, StreamableHTTPClientTransport, UnauthorizedError } = await load('@modelcontextprotocol/client');
  const provider = new HeadlessProvider();
  const options = mode === 'v2-modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {};
  const newClient = () => new Client({ name: 'mcpkit-interop-authclient', version: '1.0.0' }, options);

  // First connection: no token, the server answers 401 and the SDK runs discovery, registration and the
  // authorization request (our redirectToAuthorization), then throws UnauthorizedError.
  let transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  let client = newClient();
  try {
    await client.connect(transport);
    throw new Error('connected without authorization');
  } catch (e) {
    if (!(e instanceof UnauthorizedError) && e?.name !== 'UnauthorizedError') throw e;
    out.firstError = e.name;
  }
  if (!provider.callback) throw new Error('the SDK never asked to redirect to the authorization endpoint');
  await transport.finishAuth(provider.callback); // code + iss; PKCE verifier from the provider
  await client.close().catch(() => {});

  // Second connection: with the token.
  transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  client = newClient();
  await client.connect(transport);
  out.protocolVersion = transport.protocolVersion ?? null;
  out.tools = (await client.listTools()).tools.map((t) => t.name);
  if (action === 'stepup') {
    out.read = (await client.callTool({ name: 'read', arguments: {} })).content?.[0]?.text;
    provider.callback = null;
    try {
      await client.callTool({ name: 'write', arguments: {} });
      throw new Error('write succeeded without the step-up');
    } catch (e) {
      if (!(e instanceof UnauthorizedError) && e?.name !== 'UnauthorizedError') throw e;
      out.stepUpError = e.name;
    }
    if (!provider.callback) throw new Error('the SDK never asked to authorize again for the missing scope');
    await transport.finishAuth(provider.callback);
    out.write = (await client.callTool({ name: 'write', arguments: {} })).content?.[0]?.text;
  } else {
    const add = await client.callTool({ name: 'add', arguments: { a: 5, b: 10 } });
    out.add = add.content?.[0]?.text;
  }
  await client.close();
  Object.assign(out, provider.seen);
  out.ok = true;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
