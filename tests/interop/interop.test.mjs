// chatpass serve against real implementations: an OpenID Provider (oidc-provider)
// that signs users in with code + PKCE through its own pages in Chromium, rotates its signing
// key (new key signs with the old one still published, then the old one removed), and logs
// users out with its own back-channel logout tokens, including right after a rotation and
// while its keys cannot be fetched; and Standard Webhooks deliveries signed by the official
// Python library. The tests run in order, each building on the state the previous one left.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { chromium } from "playwright-core";
import { OpenIdProvider, rsaKey } from "./op.mjs";
import { RelyingParty } from "./rp.mjs";
import { Serve } from "./serve.mjs";
import { freePort, sleep } from "./ports.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const bin = process.env.CHATPASS_BIN || path.join(root, "target/debug/chatpass");
const python = process.env.CHATPASS_PYTHON || path.join(root, ".venv/bin/python");
const PROJECT = "acme-support";
const CLIENT_ID = "chatpass-interop";
/** serve refreshes fetched keys this often here (CHATPASS_JWKS_REFRESH_SECONDS). */
const REFRESH_MS = 5_000;
/** serve fetches again for an unknown kid unless it fetched within this (MIN_REFETCH_MS). */
const REFETCH_GUARD_MS = 1_000;
/** Back-channel logout's event (OIDC Back-Channel Logout 1.0, 2.4). */
const BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout";

const keys = { k1: rsaKey("k1"), k2: rsaKey("k2"), k3: rsaKey("k3"), k4: rsaKey("k4") };
let op, rp, serve, browser, project;
/** When serve last fetched the OP's keys for logout tokens (they are cached apart). */
let logoutKeysFetched;
/** Each user's browser tab (its own cookies, so its own OP session). */
const tabs = {};
/** ID tokens and chatpass sessions (Sprinklr reference tokens) by user and key. */
const idTokens = {};
const sessions = {};

const sleepUntil = (at) => sleep(Math.max(0, at - Date.now()));
const decode = (jwt, part) => JSON.parse(Buffer.from(jwt.split(".")[part], "base64url"));
const logoutToken = (delivery) => new URLSearchParams(delivery.body).get("logout_token");

async function tab(user) {
  if (!tabs[user]) {
    const context = await browser.newContext();
    // Loopback only: the OP's default pages link web fonts, which this suite never fetches.
    await context.route((url) => url.hostname !== "127.0.0.1", (route) => route.abort());
    tabs[user] = await context.newPage();
  }
  return tabs[user];
}

async function answer(response) {
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    retryAfter: response.headers.get("retry-after"),
  };
}

/** `request()` again after each 503's Retry-After, as a sender that honours it does. */
async function honouringRetryAfter(request) {
  let answered = await request();
  for (let tries = 0; answered.status === 503 && tries < 3; tries++) {
    await sleep(Number(answered.retryAfter) * 1000);
    answered = await request();
  }
  return answered;
}

/** user-hash with an ID token as the bearer: the project's Sprinklr settings, or a problem. */
async function userHash(idToken) {
  return answer(await serve.post("user-hash", PROJECT, {
    headers: { authorization: `Bearer ${idToken}`, "content-type": "application/json" },
    body: "{}",
  }));
}

/** A sign-in at user-hash that must work: the session's reference token. */
async function session(idToken) {
  const signed = await userHash(idToken);
  assert.equal(signed.status, 200, JSON.stringify(signed.body));
  return signed.body.settings.customUser.token;
}

/** user-details as Sprinklr's server asks it, with the project's callback key. */
async function userDetails(reference) {
  return answer(await serve.post("user-details", PROJECT, {
    headers: { authorization: `Bearer ${project.callback_keys[0]}`, "content-type": "application/json" },
    body: JSON.stringify({ token: reference }),
  }));
}

/** serve's request log line that `matches`, waiting briefly for its stdout to arrive. */
async function logLine(matches) {
  for (let i = 0; i < 50; i++) {
    const line = serve.requestLog().find(matches);
    if (line) return line;
    await sleep(20);
  }
  assert.fail(`no such log line in:\n${serve.output}`);
}

/** The headers of one delivery, signed by the official Standard Webhooks library. */
function signWebhook(id, payload, timestamp) {
  const run = spawnSync(python, [path.join(import.meta.dirname, "sign_webhook.py")], {
    input: JSON.stringify({ secret: project.webhook_secrets[0], id, payload, timestamp }),
    encoding: "utf8",
  });
  assert.equal(run.status, 0, `sign_webhook.py (${python}): ${run.stderr}${run.error ?? ""}`);
  return JSON.parse(run.stdout);
}

function deliver(headers, payload) {
  return serve.post("logout", PROJECT, { headers: { ...headers, "content-type": "application/json" }, body: payload });
}

/** The one back-channel logout the OP sends while `act` runs. */
async function oneDelivery(act) {
  const sent = op.deliveries.length;
  await act();
  assert.equal(op.deliveries.length, sent + 1, "the OP sent one back-channel logout");
  const delivery = op.deliveries.at(-1);
  assert.equal(delivery.url, `${serve.base}/v1/projects/${PROJECT}/logout`);
  assert.ok(BACKCHANNEL_EVENT in decode(logoutToken(delivery), 1).events);
  return delivery;
}

/**
 * When serve last fetched its identity keys, making sure that was within the last second (so
 * the next few steps happen before they are due for a refresh): if not, waits until they are
 * due and has `use` make serve fetch them. (Only serve fetches the OP's JWKS in this suite:
 * openid-client takes the ID token from the token endpoint without it.)
 */
async function freshKeys(use) {
  const last = op.jwksFetches.at(-1);
  if (Date.now() - last < 1_000) return last;
  await sleepUntil(last + REFRESH_MS + 100);
  const fetched = await fetchesDuring(use);
  assert.equal(fetched.length, 1, "the keys were due: serve fetched them");
  return fetched[0];
}

/**
 * Waits out the guard between serve's fetches: a token signed by a key the OP started using
 * within a second of serve's last fetch waits for the rest of that second before serve fetches
 * again (MIN_REFETCH_MS), once a minute (HOLD_EVERY_MS), and is refused after that. The tests
 * after the first rotation wait here instead, so each fetch they count is theirs.
 */
const pastTheGuard = () => sleepUntil(op.jwksFetches.at(-1) + REFETCH_GUARD_MS + 100);

/** The fetches of the OP's JWKS made while `act` runs. */
async function fetchesDuring(act) {
  const before = op.jwksFetches.length;
  await act();
  return op.jwksFetches.slice(before);
}

before(async () => {
  serve = new Serve(bin, await freePort());
  rp = await RelyingParty.start(CLIENT_ID, randomBytes(32).toString("base64url"));
  op = await OpenIdProvider.start({
    client_id: CLIENT_ID,
    client_secret: rp.secret,
    redirect_uris: [rp.redirectUri],
    post_logout_redirect_uris: [rp.postLogoutRedirectUri],
    backchannel_logout_uri: `${serve.base}/v1/projects/${PROJECT}/logout`,
  }, [keys.k1]);
  const metadata = await rp.discover(op.issuer);
  // The project as an operator makes it: keygen's starter with its own keys, in custom-user
  // mode (Sprinklr's server asks user-details), and the OP for its logout tokens.
  const starter = JSON.parse(serve.keygen("--vendor", "sprinklr"));
  project = {
    ...starter,
    key: serve.keygen().trim(),
    options: { ...starter.options, mode: "custom-user" },
    oidc_logout: { issuer: metadata.issuer, audience: CLIENT_ID, jwks_url: metadata.jwks_uri },
  };
  await serve.start({
    projects: { [PROJECT]: project },
    jwks: metadata.jwks_uri,
    issuer: metadata.issuer,
    audience: CLIENT_ID,
    env: { CHATPASS_JWKS_REFRESH_SECONDS: String(REFRESH_MS / 1000), RUST_LOG: "info" },
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run", "--disable-gpu", "--disable-quic"],
  });
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await op?.stop();
  await rp?.stop();
});

test("a user signs in at the OP with code + PKCE, and chatpass takes its RS256 ID token", async () => {
  idTokens.alice1 = await rp.signIn(await tab("alice"), "alice");
  assert.equal(decode(idTokens.alice1, 0).alg, "RS256");
  assert.equal(decode(idTokens.alice1, 0).kid, "k1");
  sessions.alice1 = await session(idTokens.alice1);
  const details = await userDetails(sessions.alice1);
  assert.equal(details.status, 200);
  assert.match(JSON.stringify(details.body), /alice@example\.com/);
});

test("the OP rotates (the new key signs, the old one is still published): chatpass takes the new key at once", async () => {
  // bob signs in at the OP's pages before the rotation, so that after it his browser gets a
  // new ID token at once, with no form.
  assert.equal(decode(await rp.signIn(await tab("bob"), "bob"), 0).kid, "k1");
  // serve's keys were just fetched (before the rotation), so they are not due for a refresh
  // when the new key's first token arrives, usually well within a second of that fetch: serve
  // holds it for the rest of that second (the guard between fetches)...
  const fresh = await freshKeys(() => session(idTokens.alice1));
  await op.rotate([keys.k2, keys.k1]);
  idTokens.bob2 = await rp.signIn(tabs.bob, "bob");
  assert.equal(decode(idTokens.bob2, 0).kid, "k2");
  // ...and only the token's unknown kid makes serve fetch them again, once, not before the guard.
  const fetched = await fetchesDuring(async () => { sessions.bob2 = await session(idTokens.bob2); });
  assert.equal(fetched.length, 1, "the unknown kid fetched the keys once");
  assert.ok(fetched[0] - fresh >= REFETCH_GUARD_MS, "no sooner than a second after the last");
  assert.ok(fetched[0] - fresh < REFRESH_MS, "the keys were not due for a refresh yet");
  // The old key is still published: its tokens still pass, with no further fetch.
  assert.deepEqual(await fetchesDuring(() => session(idTokens.alice1)), []);
});

test("the OP removes the old key: after serve's refresh its tokens are refused, the new key's pass", async () => {
  await op.rotate([keys.k2]);
  await sleepUntil(op.jwksFetches.at(-1) + REFRESH_MS + 200);
  // The refresh that dropped k1 is under a second old: told to retry (the key might have been
  // published since), then refused once the keys were fetched again.
  const first = await userHash(idTokens.alice1);
  assert.ok([401, 503].includes(first.status), JSON.stringify(first));
  const refused = await honouringRetryAfter(() => userHash(idTokens.alice1));
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, "unauthorized");
  const line = await logLine((l) => l.route === "user-hash" && l.status === 401);
  assert.equal(line.reason, "unknown_kid");
  await session(idTokens.bob2);
});

test("RP-initiated logout: the OP's back-channel logout token ends the user's sessions and earlier tokens", async () => {
  // alice's OP session outlived the restarts: she signs in again with no form, under key k2.
  idTokens.alice2 = await rp.signIn(await tab("alice"), "alice");
  assert.equal(decode(idTokens.alice2, 0).kid, "k2");
  sessions.alice2 = await session(idTokens.alice2);
  let delivery;
  const fetched = await fetchesDuring(async () => {
    delivery = await oneDelivery(() => rp.signOut(tabs.alice, idTokens.alice2));
  });
  assert.equal(fetched.length, 1, "serve fetched the OP's keys for its first logout token");
  logoutKeysFetched = fetched[0];
  assert.equal(delivery.status, 200);
  assert.equal(decode(logoutToken(delivery), 1).sub, "alice");

  const refused = await userHash(idTokens.alice2);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, "logged_out");
  for (const reference of [sessions.alice1, sessions.alice2]) {
    assert.equal((await userDetails(reference)).status, 410);
  }
  // Only alice logged out.
  assert.equal((await userDetails(sessions.bob2)).status, 200);
  await session(idTokens.bob2);
});

test("a logout signed right after a rotation (a kid serve's logout keys lack) is still applied", async () => {
  await op.rotate([keys.k3, keys.k2]);
  const fresh = logoutKeysFetched;
  await pastTheGuard();
  let delivery;
  const fetched = await fetchesDuring(async () => {
    delivery = await oneDelivery(() => rp.signOut(tabs.bob, idTokens.bob2));
  });
  assert.equal(decode(logoutToken(delivery), 0).kid, "k3");
  assert.equal(delivery.status, 200, "the logout was applied, not refused for its unknown kid");
  assert.equal(fetched.length, 1);
  assert.ok(fetched[0] - fresh < REFRESH_MS, "the logout keys were not due for a refresh yet");
  logoutKeysFetched = fetched[0];

  assert.equal((await userHash(idTokens.bob2)).body.code, "logged_out");
  assert.equal((await userDetails(sessions.bob2)).status, 410);
});

test("while the OP's keys cannot be fetched its logout is answered 503 with Retry-After, then applied when sent again", async () => {
  idTokens.carol3 = await rp.signIn(await tab("carol"), "carol");
  await pastTheGuard();
  sessions.carol3 = await session(idTokens.carol3);
  await op.rotate([keys.k4, keys.k3]);
  op.jwksDown = true;
  await sleepUntil(logoutKeysFetched + REFETCH_GUARD_MS + 100);
  const delivery = await oneDelivery(() => rp.signOut(tabs.carol, idTokens.carol3));
  op.jwksDown = false;
  assert.equal(decode(logoutToken(delivery), 0).kid, "k4");
  assert.equal(delivery.status, 503, "retryable, never a 4xx that tells the OP to give up");
  assert.match(delivery.retryAfter ?? "", /^[1-9][0-9]*$/);
  const line = await logLine((l) => l.route === "logout" && l.status === 503);
  assert.equal(line.outcome, "idp_unavailable");
  assert.equal((await userDetails(sessions.carol3)).status, 200, "not applied yet");

  // oidc-provider does not retry a failed delivery; a sender that does sends the same token,
  // after the Retry-After (within it, serve makes no new attempt at the keys).
  const again = async () => answer(await fetch(delivery.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: delivery.body,
  }));
  await sleep(Number(delivery.retryAfter) * 1000);
  const applied = await again();
  assert.equal(applied.status, 200);
  assert.equal(applied.body.status, "logged_out");
  assert.equal((await userHash(idTokens.carol3)).body.code, "logged_out");
  assert.equal((await userDetails(sessions.carol3)).status, 410);
  const repeat = await again();
  assert.deepEqual([repeat.status, repeat.body.status], [200, "already_applied"]);
});

test("Standard Webhooks deliveries signed by the official library: applied once, a repeat changes nothing, a tampered one is refused", async () => {
  idTokens.dave4 = await rp.signIn(await tab("dave"), "dave");
  await pastTheGuard();
  sessions.dave4 = await session(idTokens.dave4);
  const now = () => Math.floor(Date.now() / 1000);

  // A delivery signed for bob, sent with dave's id in its body.
  const forBob = JSON.stringify({ type: "user.logged_out", data: { user_id: "bob" } });
  const tampered = await answer(await deliver(signWebhook(`msg_${randomUUID()}`, forBob, now()), forBob.replace("bob", "dave")));
  assert.equal(tampered.status, 401);
  const line = await logLine((l) => l.route === "logout" && l.status === 401);
  assert.equal(line.reason, "webhook_signature_mismatch");
  await session(idTokens.dave4);

  const payload = JSON.stringify({ type: "user.logged_out", data: { user_id: "dave" } });
  const id = `msg_${randomUUID()}`;
  const applied = await answer(await deliver(signWebhook(id, payload, now()), payload));
  assert.deepEqual([applied.status, applied.body.status], [200, "logged_out"]);
  assert.equal((await userHash(idTokens.dave4)).body.code, "logged_out");
  assert.equal((await userDetails(sessions.dave4)).status, 410);
  // A sender's retry: the same id, signed again at a later time.
  const repeat = await answer(await deliver(signWebhook(id, payload, now() + 1), payload));
  assert.deepEqual([repeat.status, repeat.body.status], [200, "already_applied"]);
});

test("serve's log lines name every refusal's reason and hold no token, email, key or secret", async () => {
  const lines = serve.requestLog();
  assert.ok(lines.length > 20);
  for (const line of lines.filter((l) => l.status >= 400)) {
    assert.ok(line.reason, JSON.stringify(line));
  }
  const secrets = [
    ...Object.values(idTokens),
    ...op.deliveries.map(logoutToken),
    ...Object.values(sessions),
    project.key, ...project.callback_keys, ...project.webhook_secrets, "@example.com",
  ];
  for (const secret of secrets) {
    assert.ok(!serve.output.includes(secret), `serve's output holds ${secret.slice(0, 12)}…`);
  }
});
