// The demo brand page in headless Chromium against `chatpass serve` (its embedded default):
// sign in, get settings for a JWT vendor, a hash vendor and a session vendor, log out and see
// it take effect; sign in to Salesforce with a token the browser verifies against the
// project's published keys, and to HubSpot through its stand-in; and a page from an origin not
// in allowed_origins is refused by CORS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { chromium } from "playwright-core";

const root = path.resolve(import.meta.dirname, "../..");
const bin = process.env.CHATPASS_BIN || path.join(root, "target/debug/chatpass");
const artifacts = path.join(root, "artifacts");
let serve, browser, api, page, foreign;

const listenOn = (port) => new Promise((resolve) => {
  const server = net.createServer().once("error", () => resolve(null)).listen(port, "127.0.0.1", () => resolve(server));
});

// A free port whose next port is free too (serve puts the demo page there).
async function freePort() {
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

before(async () => {
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  page = `http://127.0.0.1:${port + 1}`;
  serve = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "inherit"] });
  serve.stdout.resume();
  await waitFor(`${api}/dev/projects`);
  await waitFor(`${page}/`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run", "--disable-gpu", "--disable-quic"],
  });
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  serve?.kill("SIGINT");
  foreign?.close();
});

const text = (tab, id) => tab.locator(`#${id}`).innerText();

// A new tab on the demo page, signed in at its stand-in identity provider as `email`.
async function signedInTab(email, name) {
  const tab = await browser.newPage();
  await tab.goto(`${page}/`);
  await tab.waitForFunction(() => document.querySelectorAll("#project option").length > 10);
  await tab.fill("#email", email);
  await tab.fill("#name", name);
  await tab.click("#signin");
  await tab.waitForFunction(() => document.querySelector("#who").textContent.startsWith("Signed in"));
  return tab;
}

async function getSettings(tab, project) {
  await tab.selectOption("#project", project);
  await tab.click("#fetch");
  await tab.waitForFunction(() => !["", "…"].includes(document.querySelector("#status").textContent));
}

test("a person signs in, gets settings for a JWT and a hash vendor, and logs out", async () => {
  const tab = await signedInTab("alice@example.com", "Alice Smith");

  await getSettings(tab, "demo-jsm-chat");
  await tab.waitForFunction(() => document.querySelector("#settings").textContent.includes('"token"'));
  assert.match(await text(tab, "status"), /^200 from token for jsm-chat/);
  assert.match(await text(tab, "snippet"), /chatWidget\.loginWithToken\("eyJ/);
  await tab.screenshot({ path: path.join(artifacts, "demo-signed-in.png"), fullPage: true });

  await getSettings(tab, "demo-crisp");
  await tab.waitForFunction(() => document.querySelector("#settings").textContent.includes('"signature"'));
  assert.match(await text(tab, "status"), /^200 from user-hash for crisp/);
  assert.match(await text(tab, "snippet"), /\$crisp\.push\(\["set", "user:email", \["alice@example\.com", "[0-9a-f]{64}"\]\]\)/);

  await getSettings(tab, "demo-sprinklr-custom-user");
  await tab.waitForFunction(() => document.querySelector("#settings").textContent.includes('"customUser"'));
  await tab.click("#check");
  await tab.waitForFunction(() => document.querySelector("#details").textContent.startsWith("user-details answered"));
  assert.match(await text(tab, "details"), /^user-details answered 200/);
  assert.match(await text(tab, "details"), /"email": "alice@example\.com"/);

  await tab.click("#logout");
  await tab.waitForFunction(() => document.querySelector("#logged-out").textContent.startsWith("Logged out"));
  await tab.click("#check");
  await tab.waitForFunction(() => /answered 410/.test(document.querySelector("#details").textContent));

  await getSettings(tab, "demo-sprinklr-custom-user");
  assert.match(await text(tab, "status"), /^403 logged_out/);
  await tab.screenshot({ path: path.join(artifacts, "demo-logged-out.png"), fullPage: true });
  await tab.close();
});

test("a person signs in to Salesforce with a token the published keys verify, and to HubSpot", async () => {
  const tab = await signedInTab("carol@example.com", "Carol Jones");

  await getSettings(tab, "demo-salesforce-miaw");
  await tab.waitForFunction(() => document.querySelector("#keys").textContent.length > 0);
  assert.match(await text(tab, "status"), /^200 from token for salesforce-miaw/);
  assert.match(await text(tab, "snippet"), /setIdentityToken\(\{ identityTokenType: "JWT", identityToken: "eyJ/);
  assert.match(await text(tab, "keys"), /^RS256 signature verified in this browser with the published key \S+ \(1 published\)/);
  const settings = JSON.parse(await text(tab, "settings"));
  const claims = JSON.parse(Buffer.from(settings.identityToken.split(".")[1], "base64url"));
  assert.equal(claims.email, "carol@example.com");
  assert.match(claims.sub, /^user-/);
  await tab.screenshot({ path: path.join(artifacts, "demo-salesforce.png"), fullPage: true });

  await getSettings(tab, "demo-hubspot");
  await tab.waitForFunction(() => document.querySelector("#settings").textContent.includes('"identificationToken"'));
  assert.match(await text(tab, "status"), /^200 from token for hubspot/);
  assert.match(await text(tab, "snippet"), /hsConversationsSettings = Object\.assign\(\{ loadImmediately: false \}, \{"identificationEmail":"carol@example\.com"/);
  await tab.close();
});

test("a page on an origin not in allowed_origins is refused by the browser's CORS check", async () => {
  const { id_token } = await (await fetch(`${api}/dev/login`, { method: "POST", body: JSON.stringify({ email: "bob@example.com", name: "Bob" }) })).json();
  const port = await freePort();
  foreign = createServer((req, res) => {
    res.setHeader("content-type", "text/html");
    res.end("<!doctype html><title>foreign</title><p id=out>pending</p>");
  }).listen(port, "127.0.0.1");
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${port}/`);
  const outcome = await tab.evaluate(async ([apiUrl, token]) => {
    try {
      const response = await fetch(`${apiUrl}/v1/projects/demo-jsm-chat/token`, {
        method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" });
      return `read ${response.status}`;
    } catch (error) {
      return `refused: ${error.name}`;
    }
  }, [api, id_token]);
  assert.equal(outcome, "refused: TypeError");
  // The same request without a browser works: only the origin made the difference.
  const direct = await fetch(`${api}/v1/projects/demo-jsm-chat/token`, { method: "POST", headers: { authorization: `Bearer ${id_token}` } });
  assert.equal(direct.status, 200);
  await tab.close();
});
