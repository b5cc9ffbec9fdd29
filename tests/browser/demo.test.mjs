// The demo brand page in headless Chromium against `chatpass serve` (its embedded default):
// sign in at the site, and chatpass.js signs the stand-in widget of a JWT vendor, a hash vendor
// and a session vendor in; log out and see it take effect (the old sign-in refused, the
// vendor's callback answered 410), and in a second tab too; sign in to Salesforce with a token the browser verifies
// against the project's published keys, and to HubSpot through its stand-in; and a page from
// an origin not in allowed_origins is refused by CORS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { freePort, root, startServe } from "./harness.mjs";

const artifacts = path.join(root, "artifacts");
let serve, browser, api, page, foreign;

before(async () => {
  serve = await startServe();
  ({ api, page, browser } = serve);
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await serve?.stop();
  foreign?.close();
});

const text = (tab, id) => tab.locator(`#${id}`).innerText();
const widget = (tab) => tab.locator("#standin-widget");

// A new tab (its own browser context: its own site session) on the demo page for `project`,
// signed in at the site as `email`; chatpass.js then signs the stand-in widget in.
async function signedInTab(email, name, project) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(`${page}/?project=${project}`);
  await tab.waitForFunction(() => document.querySelectorAll("#project option").length > 10);
  await tab.fill("#email", email);
  await tab.fill("#name", name);
  await tab.click("#signin");
  await tab.waitForFunction(() => document.querySelector("#who").textContent.startsWith("Signed in"));
  await widgetSignedIn(tab);
  return tab;
}

async function widgetSignedIn(tab) {
  await tab.waitForSelector('#standin-widget[data-state="verified"]');
  await tab.waitForFunction(() => document.querySelector("#received").textContent.length > 2);
}

// Picks another vendor: the page loads again with that vendor's widget, still signed in.
async function switchTo(tab, project) {
  await Promise.all([tab.waitForURL(new RegExp(`project=${project}$`)), tab.selectOption("#project", project)]);
  await widgetSignedIn(tab);
}

test("a person signs in, the widget of a JWT and of a hash vendor gets what chatpass issued, and logs out", async () => {
  const tab = await signedInTab("alice@example.com", "Alice Smith", "demo-jsm-chat");
  assert.match(await text(tab, "status"), /^Signed in: chatpass answered token for jsm-chat/);
  assert.match(await text(tab, "received"), /"call": "chatWidget\.loginWithToken",\s+"args": \[\s+"eyJ/);
  assert.equal(await widget(tab).getAttribute("data-who"), "alice@example.com");
  await tab.screenshot({ path: path.join(artifacts, "demo-signed-in.png"), fullPage: true });

  await switchTo(tab, "demo-crisp");
  assert.match(await text(tab, "status"), /^Signed in: chatpass answered user-hash for crisp/);
  const received = JSON.parse(await text(tab, "received"));
  assert.equal(received[0].call, "$crisp.push");
  assert.equal(received[0].args[0][2][0], "alice@example.com");
  assert.match(received[0].args[0][2][1], /^[0-9a-f]{64}$/);
  assert.deepEqual(received[0].args[0].slice(0, 2), ["set", "user:email"]);

  await switchTo(tab, "demo-sprinklr-custom-user");
  await tab.click("#check");
  await tab.waitForFunction(() => document.querySelector("#details").textContent.startsWith("user-details answered"));
  assert.match(await text(tab, "details"), /^user-details answered 200/);
  assert.match(await text(tab, "details"), /"email": "alice@example\.com"/);

  await tab.click("#logout");
  await tab.waitForFunction(() => document.querySelector("#logged-out").textContent.startsWith("Logged out"));
  assert.equal(await widget(tab).getAttribute("data-state"), "anonymous");
  await tab.click("#check");
  await tab.waitForFunction(() => /answered 410/.test(document.querySelector("#details").textContent));

  // The identity token from before the logout no longer gets a token: chatpass refuses it.
  await tab.click("#again");
  await tab.waitForFunction(() => /^403/.test(document.querySelector("#status").textContent));
  assert.match(await text(tab, "status"), /^403 logged_out: the widget stays anonymous/);
  await tab.screenshot({ path: path.join(artifacts, "demo-logged-out.png"), fullPage: true });
  await tab.context().close();
});

test("a person signs in to Salesforce with a token the published keys verify, and to HubSpot", async () => {
  const tab = await signedInTab("carol@example.com", "Carol Jones", "demo-salesforce-miaw");
  await tab.waitForFunction(() => document.querySelector("#keys").textContent.length > 0);
  assert.match(await text(tab, "status"), /^Signed in: chatpass answered token for salesforce-miaw/);
  assert.match(await text(tab, "keys"), /^RS256 signature verified in this browser with the published key \S+ \(1 published\)/);
  const [call] = JSON.parse(await text(tab, "received"));
  assert.equal(call.call, "userVerificationAPI.setIdentityToken");
  assert.equal(call.args[0].identityTokenType, "JWT");
  const claims = JSON.parse(Buffer.from(call.args[0].identityToken.split(".")[1], "base64url"));
  assert.equal(claims.email, "carol@example.com");
  assert.match(claims.sub, /^user-/);
  await tab.screenshot({ path: path.join(artifacts, "demo-salesforce.png"), fullPage: true });

  await switchTo(tab, "demo-hubspot");
  assert.match(await text(tab, "status"), /^Signed in: chatpass answered token for hubspot/);
  const { atLoad, calls } = JSON.parse(await text(tab, "received"));
  assert.equal(atLoad.loadImmediately, false);
  assert.equal(atLoad.identificationEmail, "carol@example.com");
  assert.ok(atLoad.identificationToken);
  assert.equal(calls[0].call, "HubSpotConversations.widget.load");
  await tab.context().close();
});

test("with the demo page open in two tabs, logging out in one turns both widgets anonymous within a second, and a reload stays anonymous", async () => {
  const one = await signedInTab("dave@example.com", "Dave Brown", "demo-intercom");
  const two = await one.context().newPage();
  await two.goto(`${page}/?project=demo-intercom`);
  await widgetSignedIn(two);
  assert.equal(await widget(two).getAttribute("data-who"), "dave@example.com");

  const started = Date.now();
  await one.click("#logout");
  await two.waitForSelector('#standin-widget[data-state="anonymous"]');
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1000, `the other tab's widget signed out in ${elapsed} ms`);
  await two.waitForFunction(() => /^Logged out in another tab/.test(document.querySelector("#status").textContent));
  assert.equal(await text(two, "who"), "Not signed in.");
  assert.equal(await text(two, "received"), "(cleared at logout)", "nothing of the previous user stays on the page");
  await two.screenshot({ path: path.join(artifacts, "demo-other-tab-logged-out.png"), fullPage: true });

  await two.reload();
  await two.waitForFunction(() => /no_identity/.test(document.querySelector("#status").textContent));
  assert.match(await text(two, "status"), /^0 no_identity: the widget stays anonymous/);
  assert.equal(await widget(two).getAttribute("data-state"), "anonymous");
  await one.context().close();
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
