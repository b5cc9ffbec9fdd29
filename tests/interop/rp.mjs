// The brand's side of the login, made by real implementations: openid-client (the relying
// party: discovery, PKCE, state and nonce, the code exchange and its ID token checks, the
// end-session URL) and headless Chromium (the user agent on the OP's own login, consent and
// logout pages). Only the two landing pages, where the OP sends the browser back, are ours.
import * as client from "openid-client";
import { createServer } from "node:http";
import { freePort } from "./ports.mjs";

export class RelyingParty {
  constructor(port, clientId, secret) {
    this.base = `http://127.0.0.1:${port}`;
    this.port = port;
    this.clientId = clientId;
    this.secret = secret;
    this.redirectUri = `${this.base}/callback`;
    this.postLogoutRedirectUri = `${this.base}/signed-out`;
  }

  static async start(clientId, secret) {
    const rp = new RelyingParty(await freePort(), clientId, secret);
    rp.server = createServer((req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(`<!doctype html><title>rp</title><p>${req.url.startsWith("/signed-out") ? "signed out" : "back at the RP"}`);
    });
    await new Promise((resolve) => rp.server.listen(rp.port, "127.0.0.1", resolve));
    return rp;
  }

  async stop() {
    if (!this.server) return;
    const closed = new Promise((resolve) => this.server.close(resolve));
    this.server.closeAllConnections();
    await closed;
  }

  /** The OP's metadata, from its discovery document (plain http: loopback only here). */
  async discover(issuer) {
    this.config = await client.discovery(new URL(issuer), this.clientId, undefined,
      client.ClientSecretBasic(this.secret), { execute: [client.allowInsecureRequests] });
    return this.config.serverMetadata();
  }

  /**
   * Signs `login` in through the OP's pages in `page` (its login form when the browser has no
   * OP session yet, then its consent form when the grant is new): code flow with PKCE, state
   * and nonce. Returns the ID token from the code exchange.
   */
  async signIn(page, login) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: this.redirectUri,
      scope: "openid email profile",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    await page.goto(url.href);
    for (let step = 0; !page.url().startsWith(this.redirectUri); step++) {
      if (step === 3) throw new Error(`the OP's pages did not lead back: ${page.url()}\n${await page.content()}`);
      const submit = page.locator('button[type="submit"]').first();
      if (await page.locator('input[name="login"]').count()) {
        await page.fill('input[name="login"]', login);
        await page.fill('input[name="password"]', "any password (development pages)");
      } else if (!(await page.locator('input[name="prompt"][value="consent"]').count())) {
        throw new Error(`not a page of the OP's login: ${page.url()}\n${await page.content()}`);
      }
      await Promise.all([page.waitForEvent("load"), submit.click()]);
    }
    const tokens = await client.authorizationCodeGrant(this.config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    return tokens.id_token;
  }

  /** RP-initiated logout: the OP's end-session page, where the user confirms signing out. */
  async signOut(page, idToken) {
    const url = client.buildEndSessionUrl(this.config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: this.postLogoutRedirectUri,
    });
    await page.goto(url.href);
    await Promise.all([page.waitForEvent("load"), page.click('button[name="logout"][value="yes"]')]);
    if (!page.url().startsWith(this.postLogoutRedirectUri)) {
      throw new Error(`the OP did not send the browser back after logout: ${page.url()}`);
    }
  }
}
