// The suite's OpenID Provider: an unmodified oidc-provider on 127.0.0.1 with its own login and
// consent pages, code flow with PKCE required, RS256 ID tokens, RP-initiated and back-channel
// logout. A key rotation is a restart on the same port with another key set; the sessions live
// in oidc-provider's memory adapter, which outlives the restart as a real OP's database would.
import { Provider } from "oidc-provider";
import { createMemoryAdapter } from "oidc-provider/lib/adapters/memory_adapter.js";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { freePort } from "./ports.mjs";

/** A new RS256 signing key, as the OP's `jwks` option takes it (private). */
export function rsaKey(kid) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
}

/** The users the OP knows: any password signs them in (oidc-provider's development pages). */
const ACCOUNTS = new Set(["alice", "bob", "carol", "dave"]);

const isLoopback = (url) => new URL(url).hostname === "127.0.0.1";

export class OpenIdProvider {
  /** When (ms) the OP's JWKS was fetched; in this suite only serve fetches it. */
  jwksFetches = [];
  /** Each back-channel logout the OP sent: its URL, form body, and chatpass's answer. */
  deliveries = [];
  /** While set, the JWKS endpoint answers 503, as an OP whose keys cannot be fetched. */
  jwksDown = false;

  constructor(port, client) {
    this.port = port;
    this.issuer = `http://127.0.0.1:${port}`;
    this.client = client;
    this.cookieKeys = [randomBytes(32).toString("base64url")];
    // oidc-provider's own memory adapter, one store kept across restarts (its default makes a
    // new store per Provider); 15 s is its default clock tolerance.
    this.adapter = createMemoryAdapter(15);
  }

  static async start(client, keys) {
    const op = new OpenIdProvider(await freePort(), client);
    await op.listen(keys);
    return op;
  }

  /** Restarts the OP with `keys` (the first one signs, all are published). */
  async rotate(keys) {
    await this.stop();
    await this.listen(keys);
  }

  async listen(keys) {
    const provider = new Provider(this.issuer, this.configuration(keys));
    provider.use(async (ctx, next) => {
      if (ctx.method === "GET" && ctx.path === "/jwks") {
        this.jwksFetches.push(Date.now());
        if (this.jwksDown) {
          ctx.status = 503;
          return;
        }
      }
      await next();
    });
    await new Promise((resolve, reject) => {
      this.server = provider.listen(this.port, "127.0.0.1", resolve).once("error", reject);
    });
  }

  async stop() {
    if (!this.server) return;
    const closed = new Promise((resolve) => this.server.close(resolve));
    this.server.closeAllConnections();
    await closed;
    this.server = undefined;
  }

  configuration(keys) {
    return {
      clients: [this.client],
      adapter: this.adapter,
      jwks: { keys },
      cookies: { keys: this.cookieKeys },
      pkce: { required: () => true },
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      // The scope's claims in the ID token too, as identity providers commonly put them.
      conformIdTokenClaims: false,
      findAccount: async (_ctx, sub) =>
        ACCOUNTS.has(sub)
          ? {
              accountId: sub,
              claims: async () => ({
                sub,
                email: `${sub}@example.com`,
                email_verified: true,
                name: sub[0].toUpperCase() + sub.slice(1),
              }),
            }
          : undefined,
      features: {
        devInteractions: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        backchannelLogout: { enabled: true },
      },
      // The OP's outgoing requests (its back-channel logouts) go to chatpass on loopback, which
      // oidc-provider's own guard against requests to special-use addresses would refuse: this
      // hook sends them with the platform fetch instead, to loopback only, and records them.
      fetch: async (url, { dispatcher, ...options }) => {
        if (!isLoopback(url)) throw new Error(`the interop OP only calls loopback, not ${url}`);
        const body = String(options.body);
        const response = await globalThis.fetch(url, options);
        this.deliveries.push({
          url,
          body,
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
        });
        return response;
      },
    };
  }
}
