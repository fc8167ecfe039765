// A headless stand-in for a web browser, for OAuth clients that open the authorization URL in one
// (mcp-remote). Usage: node authbrowser.mjs <authorization-url>. It GETs the URL and follows redirects
// only to http://127.0.0.1 or http://localhost (the development authorization server in auto-approve mode
// answers 302 to the client's loopback callback at once, and the callback receives code, state and iss as
// a browser would deliver them), logs each hop to $MCPKIT_AUTHBROWSER_LOG when set, and exits 0 when the
// last answer is a 2xx.
import { appendFileSync } from 'node:fs';

const logFile = process.env.MCPKIT_AUTHBROWSER_LOG;
const log = (line) => { if (logFile) appendFileSync(logFile, line + '\n'); };

let url = new URL(process.argv[2]);
for (let hop = 0; hop < 5; hop++) {
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    log(`refused ${url.href}: not a loopback http URL`);
    process.exit(1);
  }
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10000) });
  log(`${res.status} ${url.href}`);
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) {
    url = new URL(location, url);
    continue;
  }
  process.exit(res.ok ? 0 : 1);
}
log('too many redirects');
process.exit(1);
