// chatpass.js beside the vendors' own JavaScript SDKs, each loaded as a page would load it
// (bundled for the browser by esbuild from the npm package; its remote widget script cannot
// load offline, its queue and state can): what chatpass.js hands over must land in the SDK's
// own queue or state exactly as the SDK's documentation (its README and typings) says.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { servePages, startServe } from "./harness.mjs";
import { VENDORS } from "./vendors.mjs";

const here = import.meta.dirname;
let serve;
const bundles = {};
let pages = 0;

/** The npm package `source` as one classic script defining `global`. */
async function bundle(global, source, extra = {}) {
  const result = await build({
    stdin: { contents: source, resolveDir: here, loader: "js" },
    bundle: true, format: "iife", globalName: global, platform: "browser", write: false, logLevel: "error",
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" }, ...extra,
  });
  return result.outputFiles[0].text;
}

before(async () => {
  serve = await startServe({ fulfilledPages: true });
  const [intercom, crisp, livechat, tawk, omnichannel] = await Promise.all([
    bundle("IntercomSDK", `export * as sdk from "@intercom/messenger-js-sdk";`),
    bundle("CrispSDK", `export { Crisp } from "crisp-sdk-web";`),
    bundle("LiveChatSDK", `export * from "@livechat/widget-core";`),
    bundle("TawkSDK", `import React from "react"; import { createRoot } from "react-dom/client";
      import TawkMessenger from "@tawk.to/tawk-messenger-react";
      export function render(props) {
        const root = document.body.appendChild(document.createElement("div"));
        createRoot(root).render(React.createElement(TawkMessenger, props));
      }`),
    // The SDK reaches for Node's crypto only where browsers have Web Crypto.
    bundle("OmnichannelSDK", `export * as sdk from "@microsoft/omnichannel-chat-sdk";`,
      { alias: { crypto: path.join(here, "node-builtin-stub.cjs") } }),
  ]);
  const chatjs = readFileSync(path.join(here, "node_modules/amazon-connect-chatjs/dist/amazon-connect-chat.js"), "utf8");
  Object.assign(bundles, { intercom, crisp, livechat, tawk, omnichannel, chatjs });
});

after(() => serve?.stop());

/** A page with chatpass.js, the SDK and the page's own script, signed in at the demo site. */
async function open(vendor, sdk, script) {
  const entry = VENDORS.find((v) => v.vendor === vendor);
  const project = `demo-${vendor}`;
  const id = `${vendor}-sdk-${++pages}`;
  const context = await serve.browser.newContext();
  context.setDefaultTimeout(10_000);
  const email = `${vendor}@example.com`;
  await servePages(context, serve.page, {
    [`/t/${id}.html`]: ["text/html", `<!doctype html><meta charset="utf-8"><title>${id}</title>
<script src="/chatpass.js"></script><script src="/t/${id}-sdk.js"></script><script src="/t/${id}.js"></script><body>`],
    [`/t/${id}-sdk.js`]: ["text/javascript", bundles[sdk]],
    [`/t/${id}.js`]: ["text/javascript", `"use strict";
const idToken = async () => (await (await fetch("/site/token", { method: "POST" })).json()).id_token;
const chatpass = { api: ${JSON.stringify(serve.api)}, project: ${JSON.stringify(project)}, idToken };
${script}`],
  });
  await context.request.post(`${serve.page}/site/login`, { data: { email, name: "Sam Example" } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const answers = [];
  page.on("response", async (response) => {
    if (response.url().startsWith(`${serve.api}/v1/projects/`) && response.status() === 200) answers.push(await response.json());
  });
  await page.goto(`${serve.page}/t/${id}.html`);
  await page.waitForFunction(() => window.chat && window.chat.state !== "starting");
  assert.equal(await page.evaluate(() => window.chat.state), "verified");
  return { context, page, errors, settings: answers[0].settings };
}

test("Intercom (@intercom/messenger-js-sdk): boot lands in the SDK's queue exactly as its boot() puts it there", async () => {
  const { context, page, errors, settings } = await open("intercom", "intercom", `
    IntercomSDK.sdk.default({ app_id: "abc123", widgetUrl: "/t/intercom-widget-offline.js" });
    window.chat = Chatpass.start({ ...chatpass, config: { app_id: "abc123" } });`);
  await page.waitForFunction(() => window.Intercom.q.length > 0);
  const queued = await page.evaluate(() => {
    const ours = Array.from(window.Intercom.q[0]);
    IntercomSDK.sdk.boot(ours[1]);
    return { ours, sdks: Array.from(window.Intercom.q[1]), settings: window.intercomSettings };
  });
  assert.deepEqual(queued.ours, ["boot", { app_id: "abc123", ...settings }]);
  assert.deepEqual(queued.sdks, queued.ours, "the SDK's boot() queues the same call");
  assert.equal(queued.settings.installation_type, "npm-package", "the SDK's own loader set the page up");
  await page.evaluate(() => window.chat.logout());
  const after = await page.evaluate(() => window.Intercom.q.slice(2).map((args) => Array.from(args)));
  assert.deepEqual(after, [["shutdown"], ["boot", { app_id: "abc123" }]]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("Crisp (crisp-sdk-web): the verified email lands in $crisp exactly as Crisp.user.setEmail puts it there", async () => {
  const { context, page, errors, settings } = await open("crisp", "crisp", `
    CrispSDK.Crisp.configure("website-1", { autoload: false, clientUrl: "/t/crisp-client-offline.js" });
    window.chat = Chatpass.start(chatpass);`);
  const queued = await page.evaluate((s) => {
    const ours = JSON.parse(JSON.stringify(window.$crisp));
    CrispSDK.Crisp.user.setEmail(s.email, s.signature);
    CrispSDK.Crisp.load();
    return { ours, all: JSON.parse(JSON.stringify(window.$crisp)), injected: CrispSDK.Crisp.isCrispInjected() };
  }, settings);
  assert.deepEqual(queued.ours, [["set", "user:email", [settings.email, settings.signature]]]);
  assert.deepEqual(queued.all[1], queued.ours[0], "setEmail queues the same command");
  assert.ok(queued.injected, "the SDK went on to inject its client");
  await page.evaluate(() => window.chat.logout());
  assert.deepEqual(await page.evaluate(() => window.$crisp.at(-1)), ["do", "session:reset"]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("LiveChat (@livechat/widget-core): createWidget keeps chatpass's custom identity provider, whose getToken answers the issued token", async () => {
  const { context, page, errors, settings } = await open("livechat", "livechat", `
    window.chat = Chatpass.start({ ...chatpass, load: () => LiveChatSDK.createWidget({ license: "12345678" }).init() });`);
  await page.waitForFunction(() => document.querySelector('script[src*="tracking.js"]'));
  const state = await page.evaluate(async () => {
    const provider = window.__lc.custom_identity_provider();
    return { lc: { license: window.__lc.license, integration: window.__lc.integration_name },
      token: await provider.getToken(), has: await provider.hasToken() };
  });
  assert.deepEqual(state.lc, { license: 12345678, integration: "@livechat/widget-core" });
  assert.deepEqual(state.token, settings);
  assert.equal(state.has, true);
  await page.evaluate(() => window.chat.logout());
  const after = await page.evaluate(() => ({ provider: typeof window.__lc.custom_identity_provider, queue: window.LiveChatWidget._q }));
  assert.equal(after.provider, "undefined");
  assert.deepEqual(after.queue.at(-1), ["call", ["destroy"]], "the SDK's queue holds the widget's destroy");
  assert.deepEqual(errors, []);
  await context.close();
});

test("tawk.to (@tawk.to/tawk-messenger-react): the plugin's Tawk_API carries the visitor before the embed script is added", async () => {
  const { context, page, errors, settings } = await open("tawkto", "tawk", `
    window.chat = Chatpass.start({ ...chatpass, load: () => {
      window.visitorWhenLoaded = JSON.stringify(window.Tawk_API.visitor);
      TawkSDK.render({ propertyId: "prop-1", widgetId: "widget-1", customStyle: { zIndex: 7 } });
    } });`);
  await page.waitForFunction(() => document.querySelector('script[src="https://embed.tawk.to/prop-1/widget-1"]'));
  const state = await page.evaluate(() => ({ visitor: window.Tawk_API.visitor, style: window.Tawk_API.customStyle, before: window.visitorWhenLoaded }));
  assert.deepEqual(state.visitor, settings);
  assert.deepEqual(JSON.parse(state.before), settings, "set before the plugin added the embed script");
  assert.deepEqual(state.style, { zIndex: 7 }, "the plugin kept the same Tawk_API object");
  await page.evaluate(() => window.chat.logout());
  assert.equal(await page.evaluate(() => window.Tawk_API.visitor), undefined);
  assert.deepEqual(errors, []);
  await context.close();
});

test("Dynamics 365 (@microsoft/omnichannel-chat-sdk): setAuthTokenProvider gets chatpass's provider and the SDK holds the issued token", async () => {
  const { context, page, errors, settings } = await open("dynamics365", "omnichannel", `
    window.sdk = new OmnichannelSDK.sdk.OmnichannelChatSDK({
      orgId: "00000000-0000-0000-0000-000000000001", orgUrl: "https://example.crm.dynamics.com", widgetId: "00000000-0000-0000-0000-000000000002" });
    window.chat = Chatpass.start({ ...chatpass, sdk: window.sdk });`);
  await page.waitForFunction(() => window.sdk.authenticatedUserToken);
  const state = await page.evaluate(async () => ({
    token: window.sdk.authenticatedUserToken, provided: await window.sdk.chatSDKConfig.getAuthToken() }));
  assert.equal(state.token, settings.token);
  assert.equal(state.provided, settings.token);
  assert.deepEqual(errors, []);
  await context.close();
});

test("Amazon Connect (amazon-connect-chatjs): beside ChatJS, the widget snippet's authenticate callback answers the issued token", async () => {
  // ChatJS carries the participant token the hosted widget gets by presenting this JWT; it has
  // no field for the JWT itself, so what is checked is the snippet's queue the widget reads.
  const { context, page, errors, settings } = await open("amazon-connect", "chatjs", `
    window.chat = Chatpass.start(chatpass);`);
  const state = await page.evaluate(async () => {
    const [command, callback] = window.amazon_connect.ac[0];
    return { chatjs: typeof window.connect.ChatSession.create, command, token: await new Promise(callback) };
  });
  assert.deepEqual(state, { chatjs: "function", command: "authenticate", token: settings.token });
  assert.deepEqual(errors, []);
  await context.close();
});
