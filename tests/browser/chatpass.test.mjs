// chatpass.js in headless Chromium against `chatpass serve`: for every vendor, a page under
// `script-src 'self'` whose stand-in widget (cli/src/commands/serve/standins.js, following
// the vendor's documented API; vendors.mjs cites each page) receives exactly the documented
// call with what chatpass issued, before or after its script loads as the vendor requires, and
// signs out on logout; renewal under Playwright's controlled clock (a 503 waited out for its
// Retry-After, the widget never handed an expired token); refusals that leave the widget
// anonymous; logout in two tabs; nothing left in storage; and the script's size.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import path from "node:path";
import { problem, root, servePages, startServe } from "./harness.mjs";
import { VENDORS } from "./vendors.mjs";

let serve;
let pages = 0;

before(async () => {
  serve = await startServe({ fulfilledPages: true });
});

after(() => serve?.stop());

/** The page's own script: `Chatpass.start` with the site's sign-in (a fresh ID token from /site/token each time). */
function bootScript(entry, project, idToken) {
  const options = { api: serve.api, project, config: entry.config, renewBefore: entry.renewBefore };
  if (entry.named) options.vendor = entry.vendor;
  return `"use strict";
window.asked = 0;
window.events = [];
window.chat = Chatpass.start(Object.assign(${JSON.stringify(options)}, {
  idToken: ${idToken ? JSON.stringify(idToken) : `async () => {
    window.asked++;
    const response = await fetch("/site/token", { method: "POST" });
    return response.ok ? (await response.json()).id_token : null;
  }`},
  load: "/standins.js?vendor=${entry.vendor}",
  ${entry.generic ? `adapter: {
    apply: (s) => { const go = () => window.GenericWidget ? window.GenericWidget.login(s) : setTimeout(go, 20); go(); },
    logout: () => window.GenericWidget.logout(),
  },` : ""}
}));
window.chat.on((event) => window.events.push(event));
`;
}

/**
 * A fresh browser context signed in at the demo site as `email`, on a test page for `entry`:
 * `{context, page, answers, errors}`, `answers` holding every answer chatpass gave the page.
 */
async function open(entry, { email, clock = false, signedIn = true, context, go = true, idToken } = {}) {
  const project = entry.project || `demo-${entry.vendor}`;
  const id = `${project}-${++pages}`;
  // A user of its own: another test's logout of a shared user, in the same second as this
  // sign-in's token was issued, would end it (serve counts a logout in that second as after it).
  email ??= `${id}@example.com`;
  if (!context) {
    context = await serve.browser.newContext();
    context.setDefaultTimeout(10_000);
  }
  await servePages(context, serve.page, {
    [`/t/${id}.html`]: ["text/html", `<!doctype html><meta charset="utf-8"><title>${id}</title><script src="/chatpass.js"></script><script src="/t/${id}.js"></script><body><h1>${id}</h1>`],
    [`/t/${id}.js`]: ["text/javascript", bootScript(entry, project, idToken)],
  });
  if (signedIn) await context.request.post(`${serve.page}/site/login`, { data: { email, name: "Sam Example" } });
  const page = await context.newPage();
  const answers = [];
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => message.type() === "error" && !/Failed to load resource/.test(message.text()) && errors.push(message.text()));
  page.on("response", async (response) => {
    if (!response.url().startsWith(`${serve.api}/v1/projects/`) || response.request().method() !== "POST") return;
    answers.push({ status: response.status(), body: await response.json().catch(() => null), sent: response.request().postData() });
  });
  if (clock) await page.clock.install({ time: Date.now() });
  const url = `${serve.page}/t/${id}.html`;
  if (go) await page.goto(url);
  return { context, page, answers, errors, url };
}

const standin = (page) => page.evaluate(() => window.standin);
const signedIn = (page) => page.waitForSelector('#standin-widget[data-state="verified"]');
const anonymous = (page) => page.waitForSelector('#standin-widget[data-state="anonymous"]');
const settingsOf = (answers) => answers.find((a) => a.status === 200).body;

describe("every vendor's widget receives its documented call with what chatpass issued", { concurrency: 4 }, () => {
  for (const entry of VENDORS) {
    const project = entry.project || `demo-${entry.vendor}`;
    test(`${project}: the ${entry.vendor} widget is signed in as documented, and signed out on logout`, async () => {
      const { context, page, answers, errors } = await open(entry);
      await signedIn(page);
      const answer = settingsOf(answers);
      assert.equal(answer.vendor, entry.vendor);
      const [s, c] = [answer.settings, entry.config || {}];
      const seen = await standin(page);
      if (entry.atLoad) assert.deepEqual(seen.atLoad, entry.atLoad(s, c), "what the widget read when its script loaded");
      for (const [name, args] of entry.calls || []) {
        const call = seen.calls.find((k) => k.call === name);
        assert.ok(call, `the widget got ${name}: ${JSON.stringify(seen.calls)}`);
        assert.deepEqual(call.args, args(s, c), name);
        if (entry.ready) assert.equal(call.ready, true, `${name} came after the widget's ready event`);
      }
      if (entry.body) assert.deepEqual(JSON.parse(answers[0].sent), entry.body, "the request's body");

      const before = seen.calls.length;
      await page.evaluate(() => window.chat.logout());
      if (entry.afterLogout) await entry.afterLogout(page);
      if (entry.logout || entry.afterLogout) {
        await anonymous(page);
        const calls = (await standin(page)).calls.slice(before).map((k) => k.call);
        if (entry.logout) assert.ok(calls.includes(entry.logout), `logout called ${entry.logout}: ${calls}`);
      } else {
        // Amazon Connect's widget has no sign-out call: its next contact asks for a token and gets none.
        await page.evaluate(() => window.standin.expire());
        await page.waitForTimeout(200);
        assert.equal((await standin(page)).calls.length, before, "no token after logout");
      }
      assert.equal(await page.evaluate(() => window.chat.state), "logged-out");
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});

test("every demo project serve runs has its vendor's page-side test", () => {
  const tested = new Set(VENDORS.map((v) => v.project || `demo-${v.vendor}`));
  // Sprinklr's cookie mode hands the page no identity (settings {}): its user reaches Sprinklr
  // through the HttpOnly cookie and the vendor's user-details call (tests/tests/flows_sessions.rs).
  const untested = serve.projects.map((p) => p.project).filter((p) => !tested.has(p) && p !== "demo-sprinklr-cookie");
  assert.deepEqual(untested, []);
});

// The controlled clock: Playwright's page.clock drives the page's Date and timers. The first
// answer (serve's real token) is made to expire 120 s after it arrives, so chatpass renews 60 s
// before; that renewal meets a 503 with Retry-After: 7, and the next one gets a fresh token.
test("renewal: a fresh token is fetched and handed over before expiry, a 503 is retried after its Retry-After, and the widget never gets an expired token", async () => {
  const entry = VENDORS.find((v) => v.vendor === "salesforce-miaw");
  const requests = [];
  const expiries = new Map();
  const context = await serve.browser.newContext();
  await context.route(`${serve.api}/v1/projects/demo-salesforce-miaw/token`, async (route) => {
    const request = route.request();
    if (request.method() !== "POST") return route.fallback();
    const pageNow = await page.evaluate(() => Date.now());
    requests.push(pageNow);
    if (requests.length === 2) return route.fulfill(problem(serve, 503, "store_unavailable", { "retry-after": "7" }));
    const response = await route.fetch();
    const body = await response.json();
    body.expires_at = Math.floor(pageNow / 1000) + 120;
    expiries.set(body.settings.identityToken, body.expires_at);
    return route.fulfill({ response, json: body });
  });
  const opened = await open(entry, { context, clock: true, go: false });
  const { page, errors } = opened;
  await page.goto(opened.url);
  await signedIn(page);
  // Paused a moment ahead of the page's clock, which goes on running until then.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
  assert.equal(requests.length, 1);

  await page.clock.runFor(55_000);
  assert.equal(requests.length, 1, "nothing asked 65 s before expiry");
  await page.clock.runFor(6_000);
  await page.waitForFunction(() => window.events.some((e) => e.type === "retrying"));
  assert.equal(requests.length, 2, "renewed 60 s before expiry");
  const retrying = (await page.evaluate(() => window.events)).find((e) => e.type === "retrying");
  assert.deepEqual(retrying, { type: "retrying", status: 503, code: "store_unavailable", retryIn: 7 });
  await page.clock.runFor(6_000);
  assert.equal(requests.length, 2, "waits out Retry-After");
  await page.clock.runFor(1_500);
  await page.waitForFunction(() => window.standin.calls.length === 2);
  assert.equal(requests.length, 3, "asked again after Retry-After");

  // The widget's own expiry signal asks for a fresh token at once.
  await page.evaluate(() => window.standin.expire());
  await page.waitForFunction(() => window.standin.calls.length === 3);
  assert.equal(requests.length, 4);

  const { calls } = await standin(page);
  assert.deepEqual(calls.map((c) => c.call), Array(3).fill("userVerificationAPI.setIdentityToken"));
  for (const call of calls) {
    const token = call.args[0].identityToken;
    assert.ok(call.at / 1000 < expiries.get(token), `handed over at ${call.at}, before its expiry ${expiries.get(token)}`);
  }
  assert.equal(await page.evaluate(() => window.asked), 4, "each request asked the site for a fresh identity token");
  assert.deepEqual(errors, []);
  await context.close();
});

test("renewal when the widget asks again: Zendesk's loginUser callback gets a newly fetched token", async () => {
  const entry = VENDORS.find((v) => v.vendor === "zendesk");
  const { context, page, answers } = await open(entry);
  await signedIn(page);
  await page.evaluate(() => window.standin.expire());
  await page.waitForFunction(() => window.standin.calls.filter((c) => c.call === "jwtCallback").length === 2);
  const handed = (await standin(page)).calls.filter((c) => c.call === "jwtCallback").map((c) => c.args[0]);
  assert.equal(answers.length, 2, "the second ask fetched a new answer");
  assert.deepEqual(handed, answers.map((a) => a.body.settings.jwt));
  await context.close();
});

describe("errors never break the page", { concurrency: 3 }, () => {
  const crisp = VENDORS.find((v) => v.vendor === "crisp");

  for (const [status, code] of [[403, "logged_out"], [409, "invalid_project_config"], [401, "unauthorized"]]) {
    test(`a ${status} ${code} leaves the widget anonymous and emits the problem's code`, async () => {
      const context = await serve.browser.newContext();
      await context.route(`${serve.api}/v1/projects/demo-crisp/*`, (route) =>
        route.request().method() === "POST" ? route.fulfill(problem(serve, status, code)) : route.fallback());
      const { page, errors } = await open(crisp, { context });
      await page.waitForFunction(() => window.events.length > 0);
      assert.deepEqual(await page.evaluate(() => window.events), [{ type: "refused", status, code }]);
      await page.waitForFunction(() => window.standin);
      assert.equal(await page.getAttribute("#standin-widget", "data-state"), "anonymous");
      assert.equal(await page.evaluate(() => window.chat.state), "anonymous");
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  test("an identity token from before the user's logout is refused by serve itself (403 logged_out)", async () => {
    const { id_token } = await (await fetch(`${serve.api}/dev/login`, { method: "POST", body: JSON.stringify({ email: "gone@example.com" }) })).json();
    await fetch(`${serve.api}/dev/logout`, { method: "POST", body: JSON.stringify({ id_token }) });
    const { context, page, errors } = await open(crisp, { signedIn: false, idToken: id_token });
    await page.waitForFunction(() => window.events.length > 0);
    assert.deepEqual(await page.evaluate(() => window.events), [{ type: "refused", status: 403, code: "logged_out" }]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a 503 on the first sign-in is retried after its Retry-After, then the widget is signed in", async () => {
    const context = await serve.browser.newContext();
    let calls = 0;
    await context.route(`${serve.api}/v1/projects/demo-crisp/*`, (route) =>
      route.request().method() === "POST" && calls++ === 0
        ? route.fulfill(problem(serve, 503, "config_unavailable", { "retry-after": "1" }))
        : route.fallback());
    const { page, errors } = await open(crisp, { context });
    await signedIn(page);
    const events = await page.evaluate(() => window.events);
    assert.deepEqual(events[0], { type: "retrying", status: 503, code: "config_unavailable", retryIn: 1 });
    assert.equal(events.at(-1).type, "signed-in");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a page with no signed-in user loads the widget anonymous", async () => {
    const { context, page, answers, errors } = await open(crisp, { signedIn: false });
    await page.waitForFunction(() => window.events.length > 0 && window.standin);
    assert.deepEqual(await page.evaluate(() => window.events), [{ type: "refused", status: 0, code: "no_identity" }]);
    assert.equal(answers.length, 0, "nothing asked of chatpass");
    assert.equal(await page.getAttribute("#standin-widget", "data-state"), "anonymous");
    assert.deepEqual(errors, []);
    await context.close();
  });
});

for (const channel of ["BroadcastChannel", "storage events (no BroadcastChannel)"]) {
  test(`logout in one tab signs the widget out in both within a second (${channel}), and a reload starts anonymous`, async () => {
    const entry = VENDORS.find((v) => v.vendor === "intercom");
    const context = await serve.browser.newContext();
    if (channel.startsWith("storage")) await context.addInitScript(() => delete window.BroadcastChannel);
    const one = await open(entry, { context });
    const two = await open(entry, { context, signedIn: false });
    await Promise.all([signedIn(one.page), signedIn(two.page)]);

    const started = Date.now();
    await one.page.evaluate(() => { window.chat.logout(); return fetch("/site/logout", { method: "POST" }); });
    await Promise.all([anonymous(one.page), anonymous(two.page)]);
    assert.ok(Date.now() - started < 1000, `both signed out in ${Date.now() - started} ms`);
    assert.deepEqual((await two.page.evaluate(() => window.events)).at(-1), { type: "logged-out", otherTab: true });
    assert.deepEqual((await standin(two.page)).calls.at(-2).args, ["shutdown"]);

    await two.page.reload();
    await two.page.waitForFunction(() => window.events.length > 0 && window.standin);
    assert.equal(await two.page.getAttribute("#standin-widget", "data-state"), "anonymous");
    assert.deepEqual(await two.page.evaluate(() => window.events), [{ type: "refused", status: 0, code: "no_identity" }]);
    assert.deepEqual([...one.errors, ...two.errors], []);
    await context.close();
  });
}

test("under script-src 'self' nothing is blocked, and no storage, cookie or URL holds the token or hash afterwards", async () => {
  for (const vendor of ["zendesk", "crisp", "livechat"]) {
    const entry = VENDORS.find((v) => v.vendor === vendor);
    const { context, page, answers, errors } = await open(entry);
    await page.evaluate(() => {
      window.violations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.violations.push(e.violatedDirective));
    });
    await signedIn(page);
    const secrets = Object.values(settingsOf(answers).settings).filter((v) => typeof v === "string" && v.length > 20);
    assert.ok(secrets.length > 0);
    const held = await page.evaluate(async () => ({
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      cookie: document.cookie,
      url: location.href + history.length,
      indexedDB: JSON.stringify(await indexedDB.databases()),
      caches: JSON.stringify(await caches.keys()),
      violations: window.violations,
    }));
    const cookies = JSON.stringify(await context.cookies());
    for (const secret of secrets) {
      for (const [where, text] of Object.entries({ ...held, cookies })) {
        assert.ok(!String(text).includes(secret), `${vendor}: the token is in ${where}`);
      }
    }
    assert.deepEqual(held.violations, []);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("the classic script is at most 6 KB minified and gzipped, and the served one is the committed build", async () => {
  const built = readFileSync(path.join(root, "web/dist/chatpass.js"));
  const gzipped = gzipSync(built, { level: 9 }).length;
  console.log(`chatpass.js: ${built.length} bytes minified, ${gzipped} bytes minified+gzipped (all ${new Set(VENDORS.map((v) => v.vendor)).size} vendors)`);
  assert.ok(gzipped <= 6 * 1024, `${gzipped} bytes gzipped`);
  assert.equal(await (await fetch(`${serve.page}/chatpass.js`)).text(), built.toString());
});
