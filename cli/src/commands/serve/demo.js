// The demo brand page's script (served same-origin: the page runs under script-src 'self').
// The site's own sign-in lives in an HttpOnly cookie on this origin (/site/login, /site/token,
// /site/logout); the chat integration is the one Chatpass.start call below.
"use strict";
const API = document.querySelector('meta[name="chatpass-api"]').content;
const $ = (id) => document.getElementById(id);
const CONFIG = {
  intercom: { app_id: "demo" }, "intercom-jwt": { app_id: "demo" }, front: { chatId: "demo" },
  sprinklr: { appId: "demo" }, pylon: { app_id: "demo" }, plain: { appId: "demo" },
};
let chat = null, project = null, lastIdToken = null;

function show(id, text, kind) { const el = $(id); el.textContent = text; el.className = kind || "muted"; }

async function call(url, options) {
  const response = await fetch(url, Object.assign({ credentials: "include" }, options));
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
const post = (url, body) => call(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body || {}) });

// What the site's auth library does: a fresh ID token for the signed-in user, or null.
async function idToken() {
  const { status, body } = await post("/site/token");
  if (status !== 200) return null;
  lastIdToken = body.id_token;
  return body.id_token;
}

// The generic vendors (jwt, hmac) take the page's own calls.
const generic = { apply: (s) => window.GenericWidget.login(s), logout: () => window.GenericWidget.logout() };

function startChat() {
  chat = Chatpass.start({
    api: API,
    project: project.project,
    vendor: project.vendor,
    idToken,
    config: CONFIG[project.vendor],
    adapter: ["jwt", "hmac"].includes(project.vendor) ? generic : undefined,
    load: `/standins.js?vendor=${encodeURIComponent(project.vendor)}`,
  });
  chat.on(onChatEvent);
}

function onChatEvent(event) {
  if (event.type === "signed-in") {
    const expires = event.expiresAt ? `, expires ${new Date(event.expiresAt * 1000).toISOString()}` : "";
    show("status", `${event.renewed ? "Renewed" : "Signed in"}: chatpass answered ${project.endpoint} for ${event.vendor}${expires}`, "ok");
    setTimeout(afterSignIn, 200);
  } else if (event.type === "refused") {
    show("status", `${event.status} ${event.code}: the widget stays anonymous`, "bad");
  } else if (event.type === "retrying") {
    show("status", `${event.status} ${event.code}: asking again in ${event.retryIn} s`, "bad");
  } else if (event.type === "logged-out") {
    show("status", event.otherTab ? "Logged out in another tab: the widget was signed out here too" : "Logged out: the widget was signed out", "muted");
    if (event.otherTab) signedOut();
  }
}

// The widget's own record of what it received, and what follows from it.
function afterSignIn() {
  const standin = window.standin;
  if (!standin) return setTimeout(afterSignIn, 100);
  show("received", JSON.stringify(standin.atLoad ? { atLoad: standin.atLoad, calls: standin.calls } : standin.calls, null, 2), "");
  const seen = JSON.stringify([standin.atLoad, standin.calls]);
  const token = (seen.match(/"(ey[\w-]+\.[\w-]+\.[\w-]+)"/) || [])[1];
  if (project.publishes_keys && token) verifyWithPublishedKeys(token).then((text) => show("keys", text, ""));
  else show("keys", "(this project signs with a shared secret, or its vendor mints the token)");
  const reference = (seen.match(/"customUser":\{"token":"([^"]+)"/) || [])[1];
  $("check").dataset.reference = reference || "";
  const cookieMode = project.project.endsWith("-cookie");
  $("check").disabled = !(reference || cookieMode);
  show("details", reference || cookieMode ? "" : "(this vendor does not call back)");
}

// What a vendor that fetches the project's keyset does: find the token's `kid` in
// GET /v1/projects/{project}/jwks.json and check the signature, here with the browser's Web Crypto.
async function verifyWithPublishedKeys(token) {
  const { body } = await post(`${API}/dev/keys`, { project: project.project });
  if (body.status !== 200) return `jwks.json answered ${body.status}`;
  const [h, p, s] = token.split(".");
  const bytes = (t) => Uint8Array.from(atob(t.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const header = JSON.parse(new TextDecoder().decode(bytes(h)));
  const jwk = body.body.keys.find((k) => k.kid === header.kid);
  if (!jwk) return `no published key has the token's kid ${header.kid}`;
  const ec = header.alg === "ES256";
  const imported = ec ? { name: "ECDSA", namedCurve: "P-256" }
    : { name: "RSASSA-PKCS1-v1_5", hash: header.alg === "RS512" ? "SHA-512" : "SHA-256" };
  const key = await crypto.subtle.importKey("jwk", jwk, imported, false, ["verify"]);
  const ok = await crypto.subtle.verify(ec ? { name: "ECDSA", hash: "SHA-256" } : imported, key, bytes(s),
    new TextEncoder().encode(`${h}.${p}`));
  return ok ? `${header.alg} signature verified in this browser with the published key ${jwk.kid} (${body.body.keys.length} published)`
    : "the signature does NOT verify with the published key";
}

// Nothing of the previous user stays on the page: the widget was signed out, and what it had
// received is cleared too.
function signedOut() {
  show("who", "Not signed in.", "muted");
  $("logout").disabled = true;
  for (const id of ["received", "keys"]) show(id, "(cleared at logout)");
}

$("signin").onclick = async () => {
  const { status, body } = await post("/site/login", { email: $("email").value, name: $("name").value });
  if (status !== 200) return show("who", `Sign-in failed: ${body && body.code}`, "bad");
  location.reload();
};

$("logout").onclick = async () => {
  chat.logout();
  const { status, body } = await post("/site/logout");
  if (status !== 200) return show("logged-out", `Logout failed: ${body && body.code}`, "bad");
  show("logged-out", `Logged out: the widget was signed out here and in every other tab, and the brand's backend told chatpass ` +
    `(${body.projects_logged_out} projects). The old sign-in no longer gets a token, and the vendor's server gets 410 for earlier sessions.`, "ok");
  signedOut();
  $("again").disabled = !lastIdToken;
};

$("again").onclick = () => {
  const old = lastIdToken;
  Chatpass.start({ api: API, project: project.project, vendor: project.vendor, idToken: old }).on(onChatEvent);
};

$("check").onclick = async () => {
  const reference = $("check").dataset.reference;
  const { body } = await post(`${API}/dev/user-details`, reference ? { project: project.project, token: reference } : { project: project.project });
  show("details", `user-details answered ${body.status}\n${JSON.stringify(body.body, null, 2)}`, body.status === 200 ? "ok" : "bad");
};

$("project").onchange = () => { location.search = `?project=${encodeURIComponent($("project").value)}`; };

(async () => {
  $("api").textContent = API;
  const { body: projects } = await call(`${API}/dev/projects`);
  const wanted = new URLSearchParams(location.search).get("project") || "demo-intercom";
  project = projects.find((p) => p.project === wanted) || projects[0];
  $("project").innerHTML = "";
  for (const p of projects) $("project").add(new Option(`${p.project} (${p.endpoint})`, p.project, false, p === project));
  show("snippet", `${project.sign_in}\n// on logout: ${project.sign_out}`, "");
  const { status, body } = await post("/site/token");
  if (status === 200) {
    show("who", `Signed in as ${body.email} (sub ${body.sub}).`, "ok");
    $("logout").disabled = false;
  } else signedOut();
  startChat();
})();
