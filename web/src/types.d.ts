//! The public shapes of chatpass.js: what `start` takes, what it returns, and the events it
//! emits. The one declaration file of them: src/ imports it and dist/chatpass.d.ts re-exports it.

/** The widget's settings exactly as chatpass answered them (README, "Vendors"). */
export type Settings = Record<string, any>;

/** chatpass's answer to `POST /v1/projects/{project}/token` (or `/user-hash`). */
export interface Answer {
  vendor: string;
  settings: Settings;
  /** Unix seconds; null when what was signed does not expire. */
  expires_at: number | null;
}

/** A string, or a function returning one (or a promise of one); null or "" means signed out. */
export type IdToken =
  | string
  | null
  | undefined
  | (() => string | null | undefined | Promise<string | null | undefined>);

/** A token provider in both shapes widgets ask for: `provider(callback)` and `await provider()`. */
export type TokenProvider = (callback?: (token: string) => void) => Promise<string>;

/** The brand's own widget calls, for the generic vendors (`jwt`, `hmac`) or to replace a built-in one. */
export interface Adapter {
  /** Hands the widget its settings (the first answer, and every renewal unless `renew` is given). */
  apply(settings: Settings): void;
  /** Hands the widget renewed settings. */
  renew?(settings: Settings): void;
  /** Signs the widget out (its documented logout or reset). */
  logout(): void;
}

export interface Options {
  /** chatpass's base URL, e.g. "https://chat-auth.example.com". */
  api: string;
  /** The project id of the URLs. */
  project: string;
  /** The signed-in user's identity token, asked again for every request. */
  idToken: IdToken;
  /**
   * The project's vendor, when the page knows it: its hooks are in place at once (before the
   * widget's script), and the right endpoint is asked first. Otherwise the answer names it.
   */
  vendor?: string;
  /** "token" or "user-hash"; by default the vendor's, or `token` then `user-hash` on 409 wrong_endpoint. */
  endpoint?: "token" | "user-hash";
  /** The widget's own configuration, merged under chatpass's settings (`app_id`, `chatId`, `appId`, ...). */
  config?: Record<string, any>;
  /**
   * The widget's script URL, or a function that loads the widget: called once the widget may
   * load (after its settings are in place for vendors that read them at load, or at once).
   */
  load?: string | (() => void);
  /** An SDK instance that takes a token provider (Dynamics 365's `OmnichannelChatSDK`). */
  sdk?: { setAuthTokenProvider(provider: () => Promise<string>): unknown };
  /** The brand's own calls; required for the generic vendors `jwt` and `hmac`. */
  adapter?: Adapter;
  /** Renew this many seconds before `expires_at` (default 60, at most half the lifetime). */
  renewBefore?: number;
}

export type ChatState = "starting" | "verified" | "anonymous" | "logged-out";

export type ChatEvent =
  /** The widget was handed settings (`renewed` on every later answer). */
  | { type: "signed-in"; vendor: string; expiresAt: number | null; renewed: boolean }
  /** chatpass refused (401, 403, 409, or no identity token: status 0, code "no_identity"); the widget is anonymous. */
  | { type: "refused"; status: number; code: string }
  /** A request failed for a while (503, network); it is asked again in `retryIn` seconds. */
  | { type: "retrying"; status: number; code: string; retryIn: number }
  /** The widget was signed out, by `logout()` here or in another tab of the site. */
  | { type: "logged-out"; otherTab: boolean };

export interface Chat {
  readonly state: ChatState;
  /** The vendor of the last answer. */
  readonly vendor: string | undefined;
  /** Settles once the first answer was applied or refused (never rejects). */
  readonly ready: Promise<ChatState>;
  /** Listens to events; returns the function that stops listening. */
  on(listener: (event: ChatEvent) => void): () => void;
  /** Signs the widget out here and in the site's other tabs, and forgets everything held. */
  logout(): void;
}
