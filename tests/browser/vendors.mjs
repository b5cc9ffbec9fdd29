// Every vendor of README's table (and CONTRACT.md's), what its widget must receive from
// chatpass.js, and when, as the vendor's documentation says (the page beside each entry; the
// stand-in widgets in cli/src/commands/serve/standins.js follow the same pages):
// - `calls`: calls the widget receives, each `[name, args(settings, config)]`, matched exactly
//   against the first call of that name the stand-in recorded;
// - `atLoad`: what the widget reads when its script loads (chatpass.js must have put it there
//   before: the test page loads the widget through chatpass.js's `load`);
// - `ready`: the calls come after the widget's ready event;
// - `logout`: the call the widget receives on `chat.logout()`.
// Every entry's tests sign in to serve's real `demo-<vendor>` project (or `project`).

const fn = "[function]";

export const VENDORS = [
  // README's vendor table (no public page of the widget's API was found to cite).
  { vendor: "jsm-chat", calls: [["chatWidget.loginWithToken", (s) => [s.token]]], logout: "chatWidget.logout" },
  // https://developer.kustomer.com/chat-sdk/docs/kustomer-login
  { vendor: "kustomer", calls: [["Kustomer.login", (s) => [{ jwtToken: s.jwtToken }, fn]]], logout: "Kustomer.logout" },
  // Sprinklr: sprChatSettings before the chat script (README's vendor table; no public page found to cite).
  { vendor: "sprinklr", config: { appId: "app-1" }, atLoad: (s, c) => ({ ...c, ...s }), logout: "sprChat" },
  { vendor: "sprinklr", project: "demo-sprinklr-custom-user", config: { appId: "app-1" }, atLoad: (s, c) => ({ ...c, ...s }), logout: "sprChat" },
  { vendor: "sprinklr", project: "demo-sprinklr-pre-created", config: { appId: "app-1" }, atLoad: (s, c) => ({ ...c, ...s }), logout: "sprChat" },
  // UseResponse: UR.userConfig, UR.clearChatStorage (README's vendor table; no public page found to cite).
  { vendor: "useresponse", calls: [["UR.userConfig", (s) => [s]]], logout: "UR.clearChatStorage" },
  // https://developer.zendesk.com/api-reference/widget-messaging/web/authentication/
  { vendor: "zendesk", calls: [["zE", () => ["messenger", "loginUser", fn]], ["jwtCallback", (s) => [s.jwt]]], logout: "zE" },
  // https://developers.intercom.com/installing-intercom/web/methods
  { vendor: "intercom", config: { app_id: "abc123" }, calls: [["Intercom", (s, c) => ["boot", { ...c, ...s }]]], logout: "Intercom" },
  { vendor: "intercom-jwt", config: { app_id: "abc123" }, calls: [["Intercom", (s, c) => ["boot", { ...c, ...s }]]], logout: "Intercom" },
  // https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/
  { vendor: "crisp", calls: [["$crisp.push", (s) => [["set", "user:email", [s.email, s.signature]]]]], logout: "$crisp.push" },
  // https://developer.helpscout.com/beacon-2/web/javascript-api/
  { vendor: "helpscout", calls: [["Beacon", (s) => ["identify", s]]], logout: "Beacon" },
  // https://dev.frontapp.com/docs/chat-sdk-reference
  { vendor: "front", config: { chatId: "chat-1" }, calls: [["FrontChat", (s, c) => ["init", { ...c, ...s }]]], logout: "FrontChat" },
  // https://www.chatwoot.com/docs/product/channels/live-chat/sdk/setup
  {
    vendor: "chatwoot", ready: true, logout: "$chatwoot.reset",
    calls: [["$chatwoot.setUser", ({ identifier, ...user }) => [identifier, user]]],
  },
  // https://developer.tawk.to/jsapi/
  { vendor: "tawkto", atLoad: (s) => s, logout: "Tawk_API.logout" },
  // https://devdocs.drift.com/docs/securing-drift-on-your-site-with-an-identity-jwt
  {
    vendor: "drift", logout: "drift.reset",
    calls: [["drift.identify", (s) => [JSON.parse(Buffer.from(s.userJwt.split(".")[1], "base64url")).sub, {}, { userJwt: s.userJwt }]]],
  },
  // https://developer.salesforce.com/docs/service/messaging-web/guide/user-verification.html
  {
    vendor: "salesforce-miaw", ready: true, logout: "userVerificationAPI.clearSession",
    calls: [["userVerificationAPI.setIdentityToken", (s) => [{ identityTokenType: "JWT", identityToken: s.identityToken }]]],
  },
  // https://developers.hubspot.com/docs/api/conversation/visitor-identification
  {
    vendor: "hubspot", atLoad: (s) => ({ loadImmediately: false, ...s }), logout: "HubSpotConversations.clear",
    calls: [["HubSpotConversations.widget.load", () => []]],
  },
  // The generic JWT vendor: the page's own adapter makes the widget's call.
  { vendor: "jwt", generic: true, calls: [["GenericWidget.login", (s) => [s]]], logout: "GenericWidget.logout" },

  // CONTRACT.md's vendors.
  // https://docs.aws.amazon.com/connect/latest/adminguide/optional-widget-steps.html
  {
    vendor: "amazon-connect", atLoad: () => [["authenticate", fn]],
    calls: [["authenticate callback", (s) => [s.token]]],
  },
  // https://learn.microsoft.com/en-us/dynamics365/customer-service/develop/reference/methods/setauthtokenprovider
  {
    vendor: "dynamics365", ready: true, logout: "SDK.removeAuthTokenProvider",
    calls: [["SDK.setAuthTokenProvider", () => [fn]], ["provider callback", (s) => [s.token]]],
  },
  // https://developers.liveperson.com/consumer-authentication-authenticate-in-web-and-mobile-messaging-implementation-guide.html
  {
    vendor: "liveperson", logout: "lpTag.newPage",
    calls: [["identity callback", (s) => [s.identity]], ["lpGetAuthenticationToken callback", (s) => [s.token]]],
  },
  // https://developers.freshchat.com/web-sdk/v1/ (the page names its vendor: the uuid goes in the body)
  {
    vendor: "freshchat", named: true, logout: "fcWidget.user.clear", body: { freshchat_uuid: "0b7ad2a4-5c1e-4c1f-9d6a-2f1a3c4d5e6f" },
    calls: [["fcWidget.authenticate", (s) => [s.token]]],
  },
  // https://support.zendesk.com/hc/en-us/articles/4408838925082-Enabling-authenticated-visitors-in-Web-Widget-Classic-
  {
    vendor: "zendesk-classic", logout: "zE",
    atLoad: () => ({ webWidget: { authenticate: { chat: { jwtFn: fn } } } }),
    calls: [["jwtFn callback", (s) => [s.jwt]]],
  },
  // https://developer.zendesk.com/documentation/conversations/getting-started/api-authentication
  {
    vendor: "sunshine", logout: "Smooch.logout",
    calls: [["Smooch.login", (s) => [s.userId, s.jwt]]],
  },
  // https://www.infobip.com/docs/live-chat/users-and-authentication/web-authentication
  {
    vendor: "infobip", logout: "liveChat",
    calls: [["liveChat", (s) => ["auth", s.token, fn]]],
  },
  // https://docs.usepylon.com/pylon-docs/chat-widget/identity-verification
  {
    vendor: "pylon", config: { app_id: "pylon-app" }, atLoad: (s, c) => ({ ...c, ...s }), hash: true,
    // Pylon has no sign-out call: the identity leaves chat_settings, so the next load is anonymous.
    afterLogout: (page) => page.evaluate(() => window.standin.reload()),
  },
  // https://www.plain.com/docs/chat/authentication
  {
    vendor: "plain", config: { appId: "plain-app" }, calls: [["Plain.init", (s, c) => [{ ...c, ...s }]]], logout: "Plain.init", hash: true,
  },
  // https://platform.text.com/docs/extending-chat-widget/custom-identity-provider
  {
    vendor: "livechat", atLoad: () => "custom_identity_provider", logout: "LiveChatWidget.call",
    calls: [["getToken", (s) => [s]]],
  },
  // The generic hash vendor: the project's declared fields (paths may nest), the hash at its
  // own path; the page's adapter calls the widget.
  {
    vendor: "hmac", generic: true, calls: [["GenericWidget.login", (s) => [s]]], logout: "GenericWidget.logout", hash: true,
  },
];
