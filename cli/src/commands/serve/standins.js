// Stand-ins of the chat widgets, for the demo page and the browser tests: loaded as
// /standins.js?vendor=<id>, each follows its vendor's documented JavaScript API (the globals,
// call names, argument shapes and load order of the page cited beside it), records every call
// it receives in window.standin.calls, and shows whom it believes it is talking to: a verified
// user (the email or id in what chatpass issued) or an anonymous visitor.
(function () {
  "use strict";
  var vendor = new URL(document.currentScript.src).searchParams.get("vendor");
  var w = window;
  var S = (w.standin = { vendor: vendor, calls: [], user: null, loaded: Date.now(), asks: 0 });

  function copy(value) {
    return JSON.parse(JSON.stringify(value === undefined ? null : value, function (k, v) {
      return typeof v == "function" ? "[function]" : v;
    }));
  }
  function record(call, args) {
    var entry = { call: call, args: copy(Array.prototype.slice.call(args)), at: Date.now() };
    if (S.ready !== undefined) entry.ready = S.ready;
    S.calls.push(entry);
    render();
  }
  function claims(jwt) {
    try {
      var part = atob(String(jwt).split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(part, function (c) { return c.charCodeAt(0); })));
    } catch (e) {
      return {};
    }
  }
  function whoIn(jwt) {
    var c = claims(jwt);
    return c.email || c.external_id || c.externalId || c.sub || c.user_id || null;
  }
  // The widget believes it talks to `who` when what it was given carries proof (a token or a hash).
  function verified(who, proof) {
    S.user = who && proof ? { who: String(who), proof: proof } : null;
    render();
  }
  function anonymous() {
    S.user = null;
    render();
  }
  function render() {
    var box = document.getElementById("standin-widget");
    if (!box) {
      if (!document.body) return;
      box = document.createElement("aside");
      box.id = "standin-widget";
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    box.dataset.vendor = vendor;
    box.dataset.state = S.user ? "verified" : "anonymous";
    box.dataset.who = S.user ? S.user.who : "";
    box.textContent = "";
    var title = document.createElement("strong");
    title.textContent = vendor + " widget (stand-in)";
    var line = document.createElement("span");
    line.textContent = S.user ? "Talking to " + S.user.who + " \u2014 verified" : "Talking to an anonymous visitor";
    box.append(title, line);
  }
  document.readyState == "loading" ? document.addEventListener("DOMContentLoaded", render) : render();

  // A widget's ready event, fired once it has loaded; calls record whether it had fired.
  function fire(event, loaded) {
    S.ready = false;
    setTimeout(function () {
      S.ready = true;
      if (loaded) loaded();
      w.dispatchEvent(new Event(event));
    });
  }

  // A widget that asks the page for a token: it keeps the callback and asks again on expiry.
  function asksFor(getToken) {
    S.expire = function () {
      S.asks++;
      getToken();
    };
    getToken();
  }

  var widgets = {
    // Chat for Jira Service Management: the widget hands `chatWidget` to the page's onload,
    // whose loginWithToken(token) signs the visitor in; logout() signs out (README, vendor table).
    "jsm-chat": function () {
      w.chatWidget = {
        loginWithToken: function (token) { record("chatWidget.loginWithToken", arguments); verified(whoIn(token), token); },
        logout: function () { record("chatWidget.logout", arguments); anonymous(); },
      };
    },
    // https://developer.kustomer.com/chat-sdk/docs/kustomer-login: login({jwtToken}, cb) after start().
    kustomer: function () {
      var started = false;
      w.Kustomer = {
        start: function (options, cb) { started = true; cb && cb(); },
        login: function (options, cb) {
          record("Kustomer.login", arguments);
          if (!started) return cb && cb(null, new Error("Kustomer.start first"));
          verified(whoIn(options.jwtToken), options.jwtToken);
          cb && cb({ identified: true }, null);
        },
        logout: function () { record("Kustomer.logout", arguments); anonymous(); },
      };
      w.Kustomer.start({ brandId: "demo" });
    },
    // Sprinklr Live Chat: window.sprChatSettings is read when the chat script loads; afterwards
    // sprChat('updateUserSettings', settings).
    sprinklr: function () {
      var settings = copy(w.sprChatSettings || {});
      S.atLoad = settings;
      function take(s) {
        var user = s.user || s.customUser || {};
        verified(user.email || user.id || user.token, user.hash);
      }
      take(settings);
      w.sprChat = function (command, s) {
        record("sprChat", arguments);
        if (command == "updateUserSettings") take(s || {});
      };
    },
    // UseResponse chat widget: UR.userConfig({token, userEmail, userName, properties}); UR.clearChatStorage().
    useresponse: function () {
      w.UR = {
        userConfig: function (config) { record("UR.userConfig", arguments); verified(config.userEmail, config.token); },
        clearChatStorage: function () { record("UR.clearChatStorage", arguments); anonymous(); },
      };
    },
    // https://developer.zendesk.com/api-reference/widget-messaging/web/authentication/
    // zE('messenger', 'loginUser', jwtCallback); the widget calls jwtCallback again for a new JWT.
    zendesk: function () {
      w.zE = function (widget, command, jwtCallback, loginCallback) {
        record("zE", arguments);
        if (widget != "messenger") return;
        if (command == "loginUser") {
          asksFor(function () {
            jwtCallback(function (jwt) {
              record("jwtCallback", [jwt]);
              verified(whoIn(jwt), jwt);
              loginCallback && loginCallback(null);
            });
          });
        }
        if (command == "logoutUser") anonymous();
      };
    },
    // https://support.zendesk.com/hc/en-us/articles/4408838925082-Enabling-authenticated-visitors-in-Web-Widget-Classic-:
    // zESettings' jwtFn is read when the snippet loads and called again when the JWT expires.
    "zendesk-classic": function () {
      var chat = ((((w.zESettings || {}).webWidget || {}).authenticate || {}).chat || {});
      S.atLoad = copy(w.zESettings || {});
      function authenticate(jwtFn) {
        asksFor(function () {
          jwtFn(function (jwt) { record("jwtFn callback", [jwt]); verified(whoIn(jwt), jwt); });
        });
      }
      if (chat.jwtFn) authenticate(chat.jwtFn);
      w.zE = function (widget, command, arg) {
        record("zE", arguments);
        if (command == "logout") anonymous();
        if (command == "updateSettings") chat = (((arg || {}).webWidget || {}).authenticate || {}).chat || chat;
        if (command == "chat:reauthenticate" && chat.jwtFn) authenticate(chat.jwtFn);
      };
    },
    // https://developers.intercom.com/installing-intercom/web/methods: Intercom('boot', {app_id,
    // user_id, email, user_hash | intercom_user_jwt}), 'update', 'shutdown'; calls made before
    // the script loads wait in Intercom.q (the snippet's queue).
    intercom: function () {
      var queued = (w.Intercom && w.Intercom.q) || [];
      w.Intercom = function (command, settings) {
        record("Intercom", arguments);
        if (command == "boot" || command == "update") {
          settings = settings || {};
          var jwt = settings.intercom_user_jwt;
          var proof = settings.user_hash || jwt;
          if (proof) verified(jwt ? whoIn(jwt) : settings.email || settings.user_id, proof);
          else if (command == "boot") anonymous();
        }
        if (command == "shutdown") anonymous();
      };
      queued.forEach(function (args) { w.Intercom.apply(null, args); });
    },
    // https://docs.crisp.chat/guides/chatbox-sdks/web-sdk/dollar-crisp/: $crisp is an array
    // until the chatbox loads, then its push runs each command.
    crisp: function () {
      var queued = Array.isArray(w.$crisp) ? w.$crisp : [];
      w.$crisp = {
        push: function (command) {
          record("$crisp.push", arguments);
          if (command[0] == "set" && command[1] == "user:email") verified(command[2][0], command[2][1]);
          if (command[0] == "do" && command[1] == "session:reset") anonymous();
        },
      };
      queued.forEach(function (command) { w.$crisp.push(command); });
    },
    // https://developer.helpscout.com/beacon-2/web/javascript-api/: Beacon('identify', {name,
    // email, signature}); Beacon('logout').
    helpscout: function () {
      w.Beacon = function (command, user) {
        record("Beacon", arguments);
        if (command == "identify") verified(user.email, user.signature);
        if (command == "logout") anonymous();
      };
    },
    // https://dev.frontapp.com/docs/chat-sdk-reference: FrontChat('init', {chatId, email, name,
    // userHash}); FrontChat('shutdown', {clearSession: true}).
    front: function () {
      w.FrontChat = function (command, options) {
        record("FrontChat", arguments);
        if (command == "init") verified(options.email, options.userHash);
        if (command == "shutdown") anonymous();
      };
    },
    // https://www.chatwoot.com/docs/product/channels/live-chat/sdk/setup: $chatwoot exists and
    // chatwoot:ready fires once the SDK loaded; setUser(identifier, {identifier_hash, email, name}); reset().
    chatwoot: function () {
      w.$chatwoot = {
        hasLoaded: false,
        setUser: function (identifier, user) { record("$chatwoot.setUser", arguments); verified(user.email || identifier, user.identifier_hash); },
        reset: function () { record("$chatwoot.reset", arguments); anonymous(); },
      };
      fire("chatwoot:ready", function () { w.$chatwoot.hasLoaded = true; });
    },
    // https://developer.tawk.to/jsapi/: Tawk_API.visitor = {name, email, hash} before the embed
    // script loads (read then); setAttributes(attributes, callback) and logout(callback) after.
    tawkto: function () {
      var api = (w.Tawk_API = w.Tawk_API || {});
      S.atLoad = copy(api.visitor || null);
      if (api.visitor) verified(api.visitor.email, api.visitor.hash);
      api.setAttributes = function (attributes, cb) { record("Tawk_API.setAttributes", arguments); verified(attributes.email, attributes.hash); cb && cb(); };
      api.logout = function (cb) { record("Tawk_API.logout", arguments); anonymous(); cb && cb(); };
    },
    // https://devdocs.drift.com/docs/securing-drift-on-your-site-with-an-identity-jwt:
    // drift.identify(userId, attributes, {userJwt}); drift.reset().
    drift: function () {
      w.drift = {
        identify: function (id, attributes, options) { record("drift.identify", arguments); verified(id, options && options.userJwt); },
        reset: function () { record("drift.reset", arguments); anonymous(); },
      };
    },
    // https://developer.salesforce.com/docs/service/messaging-web/guide/user-verification.html:
    // after onEmbeddedMessagingReady, userVerificationAPI.setIdentityToken({identityTokenType:
    // "JWT", identityToken}); onEmbeddedMessagingIdentityTokenExpired asks for a new one; clearSession(true).
    "salesforce-miaw": function () {
      w.embeddedservice_bootstrap = {
        userVerificationAPI: {
          setIdentityToken: function (token) { record("userVerificationAPI.setIdentityToken", arguments); verified(whoIn(token.identityToken), token.identityToken); },
          clearSession: function () { record("userVerificationAPI.clearSession", arguments); anonymous(); },
        },
      };
      S.expire = function () { S.asks++; w.dispatchEvent(new Event("onEmbeddedMessagingIdentityTokenExpired")); };
      fire("onEmbeddedMessagingReady");
    },
    // https://developers.hubspot.com/docs/api/conversation/visitor-identification:
    // hsConversationsSettings {loadImmediately: false, identificationEmail, identificationToken}
    // is read by widget.load(); hsConversationsOnReady runs once HubSpotConversations exists;
    // clear({resetWidget: true}) on logout.
    hubspot: function () {
      w.HubSpotConversations = {
        widget: {
          load: function () {
            record("HubSpotConversations.widget.load", arguments);
            var s = w.hsConversationsSettings || {};
            S.atLoad = copy(s);
            verified(s.identificationEmail, s.identificationToken);
          },
        },
        clear: function () { record("HubSpotConversations.clear", arguments); anonymous(); },
      };
      (w.hsConversationsOnReady || []).forEach(function (fn) { fn(); });
    },
    // https://docs.aws.amazon.com/connect/latest/adminguide/optional-widget-steps.html: the
    // snippet's amazon_connect('authenticate', callback) runs before the widget script loads;
    // the widget calls it when a contact starts (here: at load, and again on expiry).
    "amazon-connect": function () {
      var queued = (w.amazon_connect && w.amazon_connect.ac) || [];
      S.atLoad = copy(queued);
      queued.forEach(function (args) {
        if (args[0] == "authenticate")
          asksFor(function () {
            args[1](function (token) { record("authenticate callback", [token]); verified(whoIn(token), token); });
          });
      });
    },
    // https://learn.microsoft.com/en-us/dynamics365/customer-service/develop/reference/methods/setauthtokenprovider:
    // after lcw:ready, SDK.setAuthTokenProvider(provider); the widget calls provider(callback)
    // when a chat starts (here: at once, and again on expiry); removeAuthTokenProvider() on logout.
    dynamics365: function () {
      var provider = null;
      w.Microsoft = { Omnichannel: { LiveChatWidget: { SDK: {
        setAuthTokenProvider: function (p) {
          record("SDK.setAuthTokenProvider", arguments);
          provider = p;
          asksFor(function () {
            provider(function (token) { record("provider callback", [token]); verified(whoIn(token), token); });
          });
        },
        getAuthTokenProvider: function () { return provider; },
        removeAuthTokenProvider: function () { record("SDK.removeAuthTokenProvider", arguments); provider = null; anonymous(); },
      } } } };
      fire("lcw:ready");
    },
    // https://developers.liveperson.com/consumer-authentication-authenticate-in-web-and-mobile-messaging-implementation-guide.html:
    // the page's lpGetAuthenticationToken(callback) (its name set in the console) and the
    // lpTag.identities functions are called when lpTag loads; lpTag.newPage(url) starts over.
    liveperson: function () {
      var lpTag = (w.lpTag = w.lpTag || {});
      var who = null;
      (lpTag.identities || []).forEach(function (fn) {
        fn(function (identity) { record("identity callback", [identity]); who = identity && identity.sub; });
      });
      if (typeof w.lpGetAuthenticationToken == "function")
        asksFor(function () {
          w.lpGetAuthenticationToken(function (token) { record("lpGetAuthenticationToken callback", [token]); verified(who || whoIn(token), token); });
        });
      lpTag.newPage = function () {
        record("lpTag.newPage", arguments);
        if (!(lpTag.identities || []).length) anonymous();
      };
    },
    // https://developers.freshchat.com/web-sdk/v1/: fcWidget.user.getUUID() (sent to chatpass),
    // fcWidget.authenticate(jwt); fcWidget.user.clear() on logout.
    freshchat: function () {
      w.fcWidget = {
        authenticate: function (token) { record("fcWidget.authenticate", arguments); verified(whoIn(token), token); },
        user: {
          getUUID: function () { return Promise.resolve({ success: true, data: { uuid: "0b7ad2a4-5c1e-4c1f-9d6a-2f1a3c4d5e6f" } }); },
          clear: function () { record("fcWidget.user.clear", arguments); anonymous(); return Promise.resolve(); },
        },
      };
    },
    // https://developer.zendesk.com/documentation/conversations/getting-started/api-authentication:
    // Smooch.login(externalId, jwt); Smooch.logout().
    sunshine: function () {
      w.Smooch = {
        login: function (userId, jwt) { record("Smooch.login", arguments); verified(userId, jwt); return Promise.resolve(); },
        logout: function () { record("Smooch.logout", arguments); anonymous(); return Promise.resolve(); },
      };
    },
    // https://www.infobip.com/docs/live-chat/users-and-authentication/web-authentication:
    // liveChat('auth', token, callback); liveChat('logout', null, callback).
    infobip: function () {
      w.liveChat = function (command, arg, cb) {
        record("liveChat", arguments);
        if (command == "auth") verified(whoIn(arg), arg);
        if (command == "logout") anonymous();
        cb && cb(null, {});
      };
    },
    // https://docs.usepylon.com/pylon-docs/chat-widget/identity-verification:
    // window.pylon.chat_settings {app_id, email, name, email_hash} is read when the script
    // loads (and, here, on every page load: without the identity the visitor is anonymous).
    pylon: function () {
      var settings = copy(((w.pylon || {}).chat_settings) || {});
      S.atLoad = settings;
      verified(settings.email, settings.email_hash);
      S.reload = function () {
        var now = copy(((w.pylon || {}).chat_settings) || {});
        record("reload", [now]);
        verified(now.email, now.email_hash);
      };
    },
    // https://www.plain.com/docs/chat/authentication: Plain.init({appId, customerDetails:
    // {email, emailHash, fullName}}) once the script loaded; init again without customerDetails
    // makes the visitor anonymous.
    plain: function () {
      w.Plain = {
        init: function (options) {
          record("Plain.init", arguments);
          var c = options.customerDetails || {};
          verified(c.email, c.emailHash);
        },
      };
    },
    // https://platform.text.com/docs/extending-chat-widget/custom-identity-provider:
    // __lc.custom_identity_provider() is read when the tracking script loads; the widget calls
    // its getToken() (getFreshToken() when the token expires).
    livechat: function () {
      var provider = (w.__lc || {}).custom_identity_provider;
      S.atLoad = provider ? "custom_identity_provider" : null;
      if (provider) {
        var idp = provider();
        var ask = function (fresh) {
          (fresh ? idp.getFreshToken() : idp.getToken()).then(function (token) {
            record(fresh ? "getFreshToken" : "getToken", [token]);
            verified("entity " + token.entityId, token.accessToken);
          }, anonymous);
        };
        S.expire = function () { S.asks++; ask(true); };
        ask(false);
      }
      w.LiveChatWidget = { call: function (command) { record("LiveChatWidget.call", arguments); if (command == "destroy") anonymous(); } };
    },
    // The generic vendors (`jwt`, `hmac`): the widget's own calls, made by the page's adapter.
    generic: function () {
      w.GenericWidget = {
        login: function (settings) {
          record("GenericWidget.login", arguments);
          var text = JSON.stringify(settings);
          var proof = (text.match(/"([\w-]+\.[\w-]+\.[\w-]+|[0-9a-f]{32,})"/) || [])[1];
          var email = (text.match(/"([^"@]+@[^"]+)"/) || [])[1];
          verified(whoIn(proof) || email, proof);
        },
        logout: function () { record("GenericWidget.logout", arguments); anonymous(); },
      };
    },
  };
  widgets["intercom-jwt"] = widgets.intercom;
  widgets.jwt = widgets.hmac = widgets.generic;
  (widgets[vendor] || function () { throw new Error("no stand-in for " + vendor); })();
})();
