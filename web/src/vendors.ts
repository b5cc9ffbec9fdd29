//! One adapter per vendor of README's table: the widget's documented sign-in call with the
//! answer's `settings`, at the moment its documentation asks (before its script loads, on its
//! ready event, or when it calls back for a token), its renewal, and its documented logout.
//! Each adapter cites the page it follows.

import type { Settings, TokenProvider } from "./types";
import { at, claims, obj, ready, w, when } from "./page";

/** What an adapter is handed. */
export interface Ctx {
  /** The answer's settings (the latest). */
  s: Settings;
  /** The brand's widget configuration (`options.config`). */
  c: Record<string, any>;
  /** True while this sign-in holds: false after a logout or a refusal. */
  alive: () => boolean;
  /** Settings valid for a while yet, renewing first when they are not (or when `force`d); null if none. */
  fresh: (force?: boolean) => Promise<Settings | null>;
  /** `fresh()`'s one token, in the provider shapes widgets ask for. */
  provider: TokenProvider;
  /** `options.sdk`. */
  sdk?: any;
}

export interface VendorAdapter {
  /** The widget reads its settings when its script loads: `options.load` waits for them. */
  pre?: 1;
  /** Callbacks the widget asks tokens from; installed as soon as the vendor is known. */
  hook?(x: Ctx): void;
  /** The first answer. */
  in?(x: Ctx): void;
  /** A renewed answer (default: `in` again). */
  re?(x: Ctx): void;
  /** The widget's documented logout or reset. */
  out(x: Ctx): void;
}

type A = VendorAdapter;

/** The token a pull-style widget asks for: the string at `key` of fresh settings. */
const pull = (x: Ctx, key: string, force?: boolean) =>
  x.fresh(force).then((s) => (s ? s[key] : Promise.reject()));

/** A widget callback that hands `cb` the token at `key`, renewing when the widget asks again for one it already had. */
function asker(x: Ctx, key: string) {
  let given: string | undefined;
  return (cb: (t: string) => void) => {
    pull(x, key, x.s[key] === given).then((t) => cb((given = t)), () => {});
  };
}

/** `Intercom('boot', …)` also takes an identity JWT (intercom-jwt). */
const intercom: A = {
  // https://developers.intercom.com/installing-intercom/web/methods (boot, update, shutdown)
  in: (x) => when("Intercom", x.alive, (I) => I("boot", { ...x.c, ...x.s })),
  re: (x) => when("Intercom", x.alive, (I) => I("update", x.s)),
  out: (x) => {
    const I = at("Intercom");
    if (I) {
      I("shutdown");
      if (x.c.app_id) I("boot", x.c);
    }
  },
};

/** Settings kept in a global object the widget reads when its script loads. */
const preload = (path: string, merge: (x: Ctx, o: any) => void, clear: (o: any) => void) => ({
  set: (x: Ctx) => merge(x, path.split(".").reduce(obj, w)),
  clear: () => {
    const o = at(path);
    if (o) clear(o);
  },
});

/** Settings merged over the brand's config into a global object; logout deletes the signed `keys`. */
const mergedPreload = (path: string, ...keys: string[]) =>
  preload(
    path,
    (x, o) => Object.assign(o, x.c, x.s),
    (o) => keys.forEach((key) => delete o[key]),
  );

const sprinklrSettings = mergedPreload("sprChatSettings", "user", "customUser");

const tawkVisitor = preload(
  "Tawk_API",
  (x, o) => (o.visitor = x.s),
  (o) => delete o.visitor,
);

const pylonSettings = mergedPreload("pylon.chat_settings", "email", "name", "email_hash");

export const VENDORS: Record<string, A> = {
  // README's vendor table (no public page found to confirm it): the widget's onload hands
  // `chatWidget`, whose loginWithToken takes the token.
  "jsm-chat": {
    in: (x) => when("chatWidget.loginWithToken", x.alive, () => w.chatWidget.loginWithToken(x.s.token)),
    out: () => at("chatWidget")?.logout?.(),
  },

  // https://developer.kustomer.com/chat-sdk/docs/kustomer-login (after Kustomer.start)
  kustomer: {
    in: (x) => when("Kustomer.login", x.alive, (login) => login({ jwtToken: x.s.jwtToken }, () => {})),
    out: () => at("Kustomer")?.logout?.(),
  },

  // README's vendor table: window.sprChatSettings before the chat script; once loaded,
  // sprChat('updateUserSettings', …).
  sprinklr: {
    pre: 1,
    in: (x) =>
      typeof w.sprChat == "function" ? w.sprChat("updateUserSettings", x.s) : sprinklrSettings.set(x),
    out: () => {
      sprinklrSettings.clear();
      if (typeof w.sprChat == "function") w.sprChat("updateUserSettings", { user: {} });
    },
  },

  // README's vendor table: UR.userConfig(settings); UR.clearChatStorage().
  useresponse: {
    in: (x) => when("UR.userConfig", x.alive, () => w.UR.userConfig({ ...x.s })),
    out: () => at("UR")?.clearChatStorage?.(),
  },

  // https://developer.zendesk.com/api-reference/widget-messaging/web/authentication/
  // loginUser's callback is called again when the widget needs a new JWT.
  zendesk: {
    in: (x) => when("zE", x.alive, (zE) => zE("messenger", "loginUser", asker(x, "jwt"))),
    re: () => {},
    out: () => at("zE")?.("messenger", "logoutUser"),
  },

  // https://support.zendesk.com/hc/en-us/articles/4408838925082-Enabling-authenticated-visitors-in-Web-Widget-Classic-
  // (zESettings before the snippet; jwtFn is called again when the JWT expires; logout) and
  // https://developer.zendesk.com/api-reference/widget/settings/#authenticate
  "zendesk-classic": {
    pre: 1,
    hook: (x) => {
      const jwtFn = asker(x, "jwt");
      const settings = { webWidget: { authenticate: { chat: { jwtFn } } } };
      const zE = at("zE");
      if (zE) {
        zE("webWidget", "updateSettings", settings);
        zE("webWidget", "chat:reauthenticate");
      } else obj(obj(obj(obj(w, "zESettings"), "webWidget"), "authenticate"), "chat").jwtFn = jwtFn;
    },
    re: () => {},
    out: () => {
      delete at("zESettings.webWidget.authenticate")?.chat;
      at("zE")?.("webWidget", "logout");
    },
  },

  intercom,
  "intercom-jwt": intercom,

  // https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/ ($crisp is a queue until loaded)
  crisp: {
    in: (x) => (w.$crisp = w.$crisp || []).push(["set", "user:email", [x.s.email, x.s.signature]]),
    out: () => w.$crisp?.push(["do", "session:reset"]),
  },

  // https://developer.helpscout.com/beacon-2/web/javascript-api/ (identify, logout)
  helpscout: {
    in: (x) => when("Beacon", x.alive, (B) => B("identify", x.s)),
    out: () => at("Beacon")?.("logout"),
  },

  // https://dev.frontapp.com/docs/chat-sdk-reference (init, shutdown)
  front: {
    in: (x) => when("FrontChat", x.alive, (F) => F("init", { ...x.c, ...x.s })),
    out: () => at("FrontChat")?.("shutdown", { clearSession: true }),
  },

  // https://www.chatwoot.com/docs/product/channels/live-chat/sdk/setup (after chatwoot:ready;
  // $chatwoot.hasLoaded when it fired before chatpass.js ran)
  chatwoot: {
    in: (x) =>
      ready(
        "chatwoot:ready",
        x.alive,
        () => {
          const { identifier, ...user } = x.s;
          w.$chatwoot.setUser(identifier, user);
        },
        () => w.$chatwoot?.hasLoaded,
      ),
    out: () => at("$chatwoot")?.reset?.(),
  },

  // https://developer.tawk.to/jsapi/ (Tawk_API.visitor before the embed script; setAttributes
  // with the hash once loaded; logout)
  tawkto: {
    pre: 1,
    in: (x) =>
      typeof w.Tawk_API?.setAttributes == "function"
        ? w.Tawk_API.setAttributes(x.s, () => {})
        : tawkVisitor.set(x),
    out: () => {
      tawkVisitor.clear();
      at("Tawk_API")?.logout?.(() => {});
    },
  },

  // https://devdocs.drift.com/docs/securing-drift-on-your-site-with-an-identity-jwt
  // identify(userId, attributes, {userJwt}): the user id is the JWT's `sub`.
  drift: {
    in: (x) =>
      when("drift.identify", x.alive, () => w.drift.identify(String(claims(x.s.userJwt).sub), {}, x.s)),
    out: () => at("drift")?.reset?.(),
  },

  // https://developer.salesforce.com/docs/service/messaging-web/guide/user-verification.html
  // setIdentityToken after onEmbeddedMessagingReady, again on onEmbeddedMessagingIdentityTokenExpired.
  "salesforce-miaw": {
    hook: (x) => {
      const expired = () => {
        if (!x.alive()) return w.removeEventListener("onEmbeddedMessagingIdentityTokenExpired", expired);
        x.fresh(true);
      };
      w.addEventListener("onEmbeddedMessagingIdentityTokenExpired", expired);
    },
    in: (x) =>
      ready("onEmbeddedMessagingReady", x.alive, () =>
        w.embeddedservice_bootstrap.userVerificationAPI.setIdentityToken({
          identityTokenType: "JWT",
          identityToken: x.s.identityToken,
        }),
      ),
    out: () => at("embeddedservice_bootstrap.userVerificationAPI")?.clearSession?.(true),
  },

  // https://developers.hubspot.com/docs/api/conversation/visitor-identification
  // hsConversationsSettings before the widget loads (loadImmediately: false), then widget.load().
  hubspot: {
    pre: 1,
    in: (x) => {
      w.hsConversationsSettings = { ...w.hsConversationsSettings, loadImmediately: false, ...x.s };
      const go = () => x.alive() && w.HubSpotConversations.widget.load();
      w.HubSpotConversations ? go() : (w.hsConversationsOnReady = w.hsConversationsOnReady || []).push(go);
    },
    re: (x) => (w.hsConversationsSettings = { ...w.hsConversationsSettings, ...x.s }),
    out: () => {
      const s = w.hsConversationsSettings;
      if (s) delete s.identificationEmail, delete s.identificationToken;
      at("HubSpotConversations")?.clear({ resetWidget: true });
    },
  },

  // https://docs.aws.amazon.com/connect/latest/adminguide/optional-widget-steps.html
  // amazon_connect('authenticate', cb) in the snippet, before the widget script loads; the
  // widget calls it when a contact starts.
  "amazon-connect": {
    pre: 1,
    hook: (x) => {
      const ac = (w.amazon_connect =
        w.amazon_connect || function (...a: any[]) { (ac.ac = ac.ac || []).push(a); });
      ac("authenticate", (cb: (t: string) => void) => pull(x, "token").then(cb, () => {}));
    },
    out: () => {},
  },

  // https://learn.microsoft.com/en-us/dynamics365/customer-service/develop/reference/methods/setauthtokenprovider
  // after lcw:ready; or an OmnichannelChatSDK instance given as `sdk`.
  dynamics365: {
    hook: (x) => {
      if (x.sdk) x.sdk.setAuthTokenProvider(x.provider);
      else
        ready("lcw:ready", x.alive, () =>
          w.Microsoft.Omnichannel.LiveChatWidget.SDK.setAuthTokenProvider(x.provider),
        );
    },
    out: () => at("Microsoft.Omnichannel.LiveChatWidget.SDK")?.removeAuthTokenProvider?.(),
  },

  // https://developers.liveperson.com/consumer-authentication-authenticate-in-web-and-mobile-messaging-implementation-guide.html
  // lpGetAuthenticationToken (the console's "JS method name") and lpTag.identities; logout
  // empties the identities and starts a new page: lpTag.newPage(location).
  liveperson: {
    hook: (x) => {
      w.lpGetAuthenticationToken = (cb: (t: string) => void) => pull(x, "token").then(cb, () => {});
      const identity = (cb: (i: any) => void) => x.fresh().then((s) => s && cb(s.identity));
      (obj(w, "lpTag").identities = w.lpTag.identities || []).push(identity);
    },
    out: () => {
      delete w.lpGetAuthenticationToken;
      const lp = w.lpTag;
      if (lp?.identities) lp.identities.length = 0;
      lp?.newPage?.(location.href);
    },
  },

  // https://developers.freshchat.com/web-sdk/v1/ (fcWidget.authenticate; user.clear on logout)
  freshchat: {
    in: (x) => when("fcWidget.authenticate", x.alive, () => w.fcWidget.authenticate(x.s.token)),
    out: () => at("fcWidget.user")?.clear?.(),
  },

  // https://developer.zendesk.com/documentation/conversations/getting-started/api-authentication
  // Smooch.login(userId, jwt) once the widget is initialised; Smooch.logout().
  sunshine: {
    in: (x) => when("Smooch.login", x.alive, () => w.Smooch.login(x.s.userId, x.s.jwt)),
    out: () => at("Smooch")?.logout?.(),
  },

  // https://www.infobip.com/docs/live-chat/users-and-authentication/web-authentication
  // liveChat('auth', token, cb); liveChat('logout', null, cb) (the SDK's command form:
  // https://www.infobip.com/docs/live-chat/javascript-sdk-in-live-chat).
  infobip: {
    in: (x) => when("liveChat", x.alive, (lc) => lc("auth", x.s.token, () => {})),
    out: () => at("liveChat")?.("logout", null, () => {}),
  },

  // https://docs.usepylon.com/pylon-docs/chat-widget/identity-verification
  // window.pylon.chat_settings before the widget script; Pylon has no sign-out call: the
  // identity goes from chat_settings, and the next load is anonymous.
  pylon: {
    pre: 1,
    in: (x) => pylonSettings.set(x),
    out: () => pylonSettings.clear(),
  },

  // https://www.plain.com/docs/chat/authentication (Plain.init with customerDetails, in the
  // script's onload); Plain has no sign-out call: init again without customerDetails.
  plain: {
    in: (x) => when("Plain.init", x.alive, () => w.Plain.init({ ...x.c, ...x.s })),
    out: (x) => at("Plain")?.init({ ...x.c }),
  },

  // https://platform.text.com/docs/extending-chat-widget/custom-identity-provider
  // __lc.custom_identity_provider before the tracking script; the widget pulls tokens from it.
  livechat: {
    pre: 1,
    hook: (x) => {
      const token = (force?: boolean) => x.fresh(force).then((s) => s || Promise.reject());
      obj(w, "__lc").custom_identity_provider = () => ({
        getToken: () => token(),
        getFreshToken: () => token(true),
        hasToken: () => Promise.resolve(x.alive()),
        invalidate: () => Promise.resolve(),
      });
    },
    out: () => {
      delete w.__lc?.custom_identity_provider;
      at("LiveChatWidget")?.call?.("destroy");
    },
  },
};

/** Which endpoint a known vendor answers on (README and CONTRACT.md: "endpoint"). */
export const HASH_VENDORS = [
  "sprinklr",
  "useresponse",
  "intercom",
  "crisp",
  "helpscout",
  "front",
  "chatwoot",
  "tawkto",
  "pylon",
  "plain",
  "hmac",
];
