//! What the adapters need of the page: the widgets' globals (found by path, waited for while a
//! widget loads), the ready events widgets fire (remembered from the moment chatpass.js runs,
//! so a widget that was ready first is not missed), and loading a widget's script.

export const w: any = typeof window == "undefined" ? {} : window;

/** The value at a dotted path from `window` ("embeddedservice_bootstrap.userVerificationAPI"). */
export const at = (path: string): any =>
  path.split(".").reduce((o, k) => (o == null ? o : o[k]), w);

/** Ready events chatpass watches for: Salesforce, Dynamics 365, Chatwoot. */
const READY = ["onEmbeddedMessagingReady", "lcw:ready", "chatwoot:ready"];
const fired: Record<string, 1> = {};
if (w.addEventListener) for (const e of READY) w.addEventListener(e, () => (fired[e] = 1));

/**
 * Calls `fn` once `event` has fired (at once if it already did, or if `already()` says the
 * widget was ready before chatpass.js ran) while `alive()`.
 */
export function ready(event: string, alive: () => boolean, fn: () => void, already?: () => any) {
  if (fired[event] || already?.()) return fn();
  const go = () => {
    w.removeEventListener(event, go);
    if (alive()) fn();
  };
  w.addEventListener(event, go);
}

/** Calls `fn` with the value at `path` once it exists (checked every 50 ms) while `alive()`. */
export function when(path: string, alive: () => boolean, fn: (value: any) => void) {
  const look = () => {
    if (!alive()) return;
    const value = at(path);
    value ? fn(value) : setTimeout(look, 50);
  };
  look();
}

/** Loads a widget: its script URL (same origin under a strict CSP) or the brand's function. */
export function load(how: string | (() => void)) {
  if (typeof how == "function") return how();
  const script = document.createElement("script");
  script.src = how;
  script.async = true;
  document.head.appendChild(script);
}

/** `object[key]`, made an object if it is not one yet. */
export const obj = (object: any, key: string): any =>
  (object[key] = object[key] && typeof object[key] == "object" ? object[key] : {});

/** The JWT's payload claims (no verification: the widget's vendor verifies). */
export function claims(jwt: string): any {
  try {
    const part = atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(part, (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}
