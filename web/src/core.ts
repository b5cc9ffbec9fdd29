//! The session: asks chatpass for the widget's settings with the site's identity token, hands
//! them to the vendor's adapter, renews them before `expires_at` (retrying with backoff and
//! Retry-After), and on logout signs the widget out here and in every other tab. Nothing is
//! thrown into the page and nothing is written to storage, cookies or the URL.

import type { Answer, Chat, ChatEvent, ChatState, Options, Settings } from "./types";
import { HASH_VENDORS, VENDORS, type Ctx, type VendorAdapter } from "./vendors";
import { load, w, when } from "./page";
import { onLogout, tellOtherTabs } from "./tabs";

/** A refusal or a failure: the HTTP status (0 without one) and the problem's `code`. */
interface Problem {
  status: number;
  code: string;
  /** Seconds to wait before asking again, for failures worth retrying. */
  retry?: number;
}

const now = () => Date.now() / 1000;

/** Seconds from a Retry-After header (seconds or an HTTP date). */
function retryAfter(value: string | null): number | undefined {
  if (!value) return;
  const seconds = /^\d+$/.test(value) ? +value : (Date.parse(value) - Date.now()) / 1000;
  return seconds >= 0 ? seconds : undefined;
}

export function start(options: Options): Chat {
  const o = options;
  let state: ChatState = "starting";
  let vendor = o.vendor;
  let endpoint = o.endpoint || (vendor && (HASH_VENDORS.includes(vendor) ? "user-hash" : "token"));
  let answer: Answer | undefined;
  let adapter: VendorAdapter | undefined;
  let hooked = false;
  let loaded = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let renewing: Promise<Settings | null> | undefined;
  let failures = 0;
  // Every sign-in has its generation; a logout or a refusal ends it, and whatever was under way
  // for it (a request, a retry, a widget's late callback) then does nothing.
  let generation = 0;
  const listeners = new Set<(e: ChatEvent) => void>();
  let settle: (s: ChatState) => void;
  const readyPromise = new Promise<ChatState>((r) => (settle = r));

  const emit = (e: ChatEvent) =>
    listeners.forEach((l) => {
      try {
        l(e);
      } catch {}
    });

  const safely = (fn: () => void) => {
    try {
      fn();
    } catch {}
  };

  const ctx: Ctx = {
    s: {},
    c: o.config || {},
    alive: () => state == "starting" || state == "verified",
    fresh: (force) => fresh(force),
    provider: (cb) => {
      const token = fresh().then((s) => (s ? s.token : Promise.reject(new Error("chatpass: signed out"))));
      if (cb) token.then(cb, () => {});
      return token;
    },
    sdk: o.sdk,
  };

  function loadWidget() {
    if (loaded || !o.load) return;
    loaded = true;
    safely(() => load(o.load!));
  }

  function adapterFor(v: string): VendorAdapter | undefined {
    return o.adapter
      ? { in: () => o.adapter!.apply(ctx.s), re: () => (o.adapter!.renew || o.adapter!.apply)(ctx.s), out: () => o.adapter!.logout() }
      : VENDORS[v];
  }

  function hook(v: string) {
    adapter = adapterFor(v);
    if (!hooked && adapter?.hook) {
      hooked = true;
      safely(() => adapter!.hook!(ctx));
    }
  }

  /** One request to chatpass: the answer, or the problem. */
  async function ask(): Promise<Answer | Problem> {
    let token: string | null | undefined;
    try {
      token = typeof o.idToken == "function" ? await o.idToken() : o.idToken;
    } catch {}
    if (!token) return { status: 0, code: "no_identity" };
    let body: string | undefined;
    if (vendor == "freshchat") {
      // Freshchat's token names the widget's user: the page sends its uuid (CONTRACT.md).
      try {
        const fc: any = await new Promise((r) => when("fcWidget.user.getUUID", () => state != "logged-out", r));
        const uuid = await fc.call(w.fcWidget.user);
        body = JSON.stringify({ freshchat_uuid: uuid?.data?.uuid ?? uuid });
      } catch {}
    }
    const path = endpoint || "token";
    let response: Response;
    try {
      response = await fetch(`${o.api.replace(/\/$/, "")}/v1/projects/${encodeURIComponent(o.project)}/${path}`, {
        method: "POST",
        headers: body
          ? { authorization: `Bearer ${token}`, "content-type": "application/json" }
          : { authorization: `Bearer ${token}` },
        body,
        credentials: "include",
        cache: "no-store",
      });
    } catch {
      return { status: 0, code: "network", retry: -1 };
    }
    let json: any = {};
    try {
      json = await response.json();
    } catch {}
    if (response.ok && json && typeof json.vendor == "string" && json.settings) return json;
    const code = String(json?.code || "http_" + response.status);
    if (response.status == 409 && code == "wrong_endpoint" && !o.endpoint && path == "token") {
      endpoint = "user-hash";
      return ask();
    }
    const status = response.status;
    const transient = status >= 500 || status == 429 || (status == 401 && answer != null);
    return { status, code, retry: transient ? (retryAfter(response.headers.get("retry-after")) ?? -1) : undefined };
  }

  /** True once the sign-in of generation `gen` is over (a logout or a refusal came since). */
  const over = (gen: number) => gen != generation || state == "logged-out";

  /** Asks until an answer or a refusal; failures wait Retry-After, or 1, 2, 4 … 60 s. */
  async function obtain(gen: number): Promise<Answer | Problem | null> {
    for (;;) {
      const got = await ask();
      if (over(gen)) return null;
      if (!("retry" in got) || got.retry == null) return got;
      failures++;
      const wait = got.retry >= 0 ? got.retry : Math.min(60, 2 ** (failures - 1));
      emit({ type: "retrying", status: got.status, code: got.code, retryIn: wait });
      await new Promise((r) => (timer = setTimeout(r, wait * 1000)));
      if (over(gen)) return null;
    }
  }

  function schedule() {
    clearTimeout(timer);
    const expires = answer?.expires_at;
    if (expires == null) return;
    const life = expires - now();
    const lead = Math.min(o.renewBefore ?? 60, life / 2);
    timer = setTimeout(() => renew(), Math.max(1, life - lead) * 1000);
  }

  /** Settings from an answer, handed to the widget (first time or renewal). */
  function take(got: Answer, renewed: boolean) {
    failures = 0;
    answer = got;
    vendor = got.vendor;
    ctx.s = got.settings;
    const first = state != "verified";
    state = "verified";
    hook(vendor);
    if (adapter) {
      const a = adapter;
      safely(() => (first || !a.re ? a.in?.(ctx) : a.re(ctx)));
    }
    schedule();
    emit({ type: "signed-in", vendor: got.vendor, expiresAt: got.expires_at, renewed });
  }

  /** A refusal: the widget is (or stays) anonymous; renewals stop. */
  function refuse(p: Problem) {
    const wasVerified = state == "verified";
    state = "anonymous";
    generation++;
    clearTimeout(timer);
    answer = undefined;
    ctx.s = {};
    if (wasVerified && adapter) safely(() => adapter!.out(ctx));
    emit({ type: "refused", status: p.status, code: p.code });
  }

  function renew(): Promise<Settings | null> {
    if (!renewing) {
      const gen = generation;
      renewing = obtain(gen).then((got) => {
        renewing = undefined;
        if (!got || gen != generation) return null;
        if ("vendor" in got) {
          take(got, true);
          return got.settings;
        }
        refuse(got);
        return null;
      });
    }
    return renewing;
  }

  /** Settings that will not expire in the next 10 s (renewing first), or null when signed out. */
  function fresh(force?: boolean): Promise<Settings | null> {
    if (state == "logged-out" || state == "anonymous") return Promise.resolve(null);
    const expires = answer?.expires_at;
    if (answer && !force && (expires == null || expires - now() > 10)) return Promise.resolve(answer.settings);
    if (!answer) return readyPromise.then(() => (answer ? fresh(force) : null));
    return renew();
  }

  function logout(otherTab: boolean) {
    if (state == "logged-out") return;
    state = "logged-out";
    generation++;
    clearTimeout(timer);
    if (adapter) safely(() => adapter!.out(ctx));
    answer = undefined;
    ctx.s = {};
    if (!otherTab) tellOtherTabs();
    stopListening();
    settle(state);
    loadWidget();
    emit({ type: "logged-out", otherTab });
  }

  const stopListening = onLogout(() => logout(true));

  if (vendor) hook(vendor);
  if (vendor && !adapter?.pre) loadWidget();

  obtain(generation).then((got) => {
    if (got && state == "starting") {
      if ("vendor" in got) hook(got.vendor);
      if (!("vendor" in got)) refuse(got);
      else if (adapter) take(got, false);
      else refuse({ status: 0, code: "no_adapter" });
    }
    loadWidget();
    settle(state);
  });

  return {
    get state() {
      return state;
    },
    get vendor() {
      return vendor;
    },
    ready: readyPromise,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    logout: () => safely(() => logout(false)),
  };
}
