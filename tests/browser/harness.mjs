// What every browser test needs: `chatpass serve` (its embedded demo) on free ports, Debian's
// Chromium through playwright-core, and test pages served on the demo page's origin (the
// origin the demo projects allow), each under `Content-Security-Policy: script-src 'self'`.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { chromium } from "playwright-core";

export const root = path.resolve(import.meta.dirname, "../..");
const bin = process.env.CHATPASS_BIN || path.join(root, "target/debug/chatpass");
export const CSP = "script-src 'self'; object-src 'none'; base-uri 'none'";

const listenOn = (port) => new Promise((resolve) => {
  const server = net.createServer().once("error", () => resolve(null)).listen(port, "127.0.0.1", () => resolve(server));
});

// A free port whose next port is free too (serve puts the demo page there).
export async function freePort() {
  for (;;) {
    const first = await listenOn(0);
    const port = first.address().port;
    const second = port < 65535 ? await listenOn(port + 1) : null;
    await new Promise((r) => first.close(r));
    if (second) {
      await new Promise((r) => second.close(r));
      return port;
    }
  }
}

async function waitFor(url) {
  for (let i = 0; i < 100; i++) {
    try { await fetch(url); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error(`${url} did not come up`);
}

/**
 * Starts serve and Chromium: `{api, page, browser, projects, stop()}`; `fulfilledPages` for
 * tests whose pages come from servePages.
 */
export async function startServe(options = {}) {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const page = `http://127.0.0.1:${port + 1}`;
  const serve = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "inherit"] });
  serve.stdout.resume();
  await waitFor(`${api}/dev/projects`);
  await waitFor(`${page}/`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // Test pages are fulfilled by Playwright (servePages), so Chromium knows no address space
    // for them and its Local Network Access check would refuse their requests to 127.0.0.1;
    // the demo page, served by serve itself, is checked with it on (demo.test.mjs).
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run", "--disable-gpu", "--disable-quic", ...(options.fulfilledPages ? ["--disable-features=LocalNetworkAccessChecks"] : [])],
  });
  const projects = await (await fetch(`${api}/dev/projects`)).json();
  return {
    api, page, browser, projects,
    async stop() {
      await browser.close();
      serve.kill("SIGINT");
    },
  };
}

/**
 * Serves `files` (path → [content type, text]) on `origin` to every page of `context`, HTML
 * under the strict CSP; anything else off this machine is refused (no widget's real script
 * can load offline).
 */
export async function servePages(context, origin, files) {
  await context.route(`${origin}/t/**`, (route) => {
    const file = files[new URL(route.request().url()).pathname];
    if (!file) return route.fallback();
    const [type, body] = file;
    const headers = type.startsWith("text/html") ? { "content-security-policy": CSP } : {};
    return route.fulfill({ status: 200, contentType: type, headers, body });
  });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
}

/** The CORS headers serve gives the demo page's origin. */
const cors = (serve) => ({
  "access-control-allow-origin": serve.page, "access-control-allow-credentials": "true",
  "access-control-expose-headers": "retry-after", vary: "Origin",
});

/** A problem+json answer as chatpass gives it, readable by the demo page's origin. */
export const problem = (serve, status, code, headers = {}) => ({
  status, contentType: "application/problem+json", headers: { ...cors(serve), ...headers },
  body: JSON.stringify({ type: "about:blank", title: "refused", status, code, detail: code }),
});
