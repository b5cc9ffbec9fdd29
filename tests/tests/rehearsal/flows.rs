//! chatpass's flows run in the world: every route of every function, sessions, the vendor's
//! callback, logouts by webhook and OIDC, revocation, AWSPREVIOUS keys while rotating, and a
//! token a vendor's API mints for a customer kept in the state table.

use super::world::{AUDIENCE, Answer, ISSUER, Step, World};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chatpass_service::clock::{Clock, SystemClock};
use chatpass_service::identity::StandinIdp;
use chatpass_service::testing::{JwksServer, ORIGIN, RSA_KEY, RSA_KEY_NEXT, SPRINKLR_KEY};
use chatpass_tests::support::{
    backchannel_events, claims_for, fixture, for_project, logged_out_body, oidc_logout,
    signed_logout_webhook, store_secret, with_header,
};
use serde_json::{Value, json};

const JWT_PROJECT: &str = "rehearsal-jsm";
/// A project any route's fixture may be sent to.
pub const ANY_PROJECT: &str = JWT_PROJECT;
const HASH_PROJECT: &str = "rehearsal-intercom";
const CUSTOM_PROJECT: &str = "rehearsal-sprinklr-custom";
const COOKIE_PROJECT: &str = "rehearsal-sprinklr-cookie";
const KEYPAIR_PROJECT: &str = "rehearsal-salesforce";
const MINTED_PROJECT: &str = "rehearsal-livechat";
const JSM_KEY: &str = "rehearsal-jsm-chat-secret-key";
const INTERCOM_KEY: &str = "rehearsal-intercom-secret-key";
const LIVECHAT_AGENT_TOKEN: &str = "dal:rehearsal-livechat-agent-token";
/// The customer LiveChat's stand-in answers with, kept for the user.
const LIVECHAT_CUSTOMER: &str = "5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const LIVECHAT_CUSTOMER_TOKEN: &str = "dal:rehearsal-livechat-customer-token";
const EMAIL: &str = "alice@example.com";
const CALLBACK_KEY_OLD: &str = "rehearsal-callback-key-previous-0001";
const CALLBACK_KEY_NEW: &str = "rehearsal-callback-key-current-00002";

/// Webhook secret number `n`: 32 distinct bytes, as a generator would make them.
fn webhook_secret(n: u8) -> String {
    let bytes: Vec<u8> = (0..32)
        .map(|i| n.wrapping_mul(101).wrapping_add(i * 7))
        .collect();
    format!("whsec_{}", STANDARD.encode(bytes))
}

fn now() -> u64 {
    SystemClock.now()
}

fn sprinklr(mode: &str, callback_key: &str, webhook: &str, jwks_url: &str) -> Value {
    json!({
        "vendor": "sprinklr", "key": SPRINKLR_KEY,
        "options": {"mode": mode}, "allowed_origins": [ORIGIN], "cookie_domain": ".example.com",
        "callback_keys": [callback_key], "webhook_secrets": [webhook],
        "oidc_logout": {"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks_url},
    })
}

/// The identity provider (its JWKS served on loopback for OIDC logouts) and a count of runs:
/// each run signs in a user of its own, so runs do not see each other's logouts.
pub struct Flows {
    idp: StandinIdp,
    _jwks: JwksServer,
    runs: usize,
}

impl Flows {
    /// The projects in Secrets Manager under the template's prefix. The custom-user project is
    /// rotated before any function reads it: its callback key and webhook secret of the first
    /// version are AWSPREVIOUS's.
    pub async fn prepare(world: &World) -> Flows {
        let idp = StandinIdp::generate(ISSUER, AUDIENCE);
        let jwks = JwksServer::start(&idp.jwks()).await;
        let prefix = &world.stack.parameters["SecretPrefix"];
        let secrets = aws_sdk_secretsmanager::Client::new(&world.admin);
        let (old, new) = (webhook_secret(1), webhook_secret(2));
        let projects = [
            (
                JWT_PROJECT,
                json!({"vendor": "jsm-chat", "key": JSM_KEY,
                "allowed_origins": [ORIGIN], "webhook_secrets": [new]}),
            ),
            (
                HASH_PROJECT,
                json!({"vendor": "intercom", "key": INTERCOM_KEY,
                "allowed_origins": [ORIGIN]}),
            ),
            (
                CUSTOM_PROJECT,
                sprinklr("custom-user", CALLBACK_KEY_OLD, &old, &jwks.url()),
            ),
            (
                COOKIE_PROJECT,
                sprinklr("cookie", CALLBACK_KEY_NEW, &new, &jwks.url()),
            ),
            (
                MINTED_PROJECT,
                json!({"vendor": "livechat", "key": LIVECHAT_AGENT_TOKEN, "allowed_origins": [ORIGIN],
                       "options": {"client_id": "rehearsal-client", "organization_id": "rehearsal-org"}}),
            ),
        ];
        let customer = json!({"access_token": LIVECHAT_CUSTOMER_TOKEN, "entity_id": LIVECHAT_CUSTOMER,
                              "expires_in": 28_800, "token_type": "Bearer"});
        world
            .vendor_api
            .answer_at("/v2/customer/token", 200, &customer.to_string());
        let salesforce = |key: &str, kid: &str| {
            json!({"vendor": "salesforce-miaw", "key": key, "key_id": kid,
                   "options": {"issuer": ORIGIN}, "allowed_origins": [ORIGIN]})
        };
        let projects = projects
            .into_iter()
            .chain([(KEYPAIR_PROJECT, salesforce(RSA_KEY, "k-old"))]);
        let rotations = [
            (
                CUSTOM_PROJECT,
                sprinklr("custom-user", CALLBACK_KEY_NEW, &new, &jwks.url()),
            ),
            // The key pair rotates too: jwks.json publishes AWSCURRENT's and AWSPREVIOUS's keys.
            (KEYPAIR_PROJECT, salesforce(RSA_KEY_NEXT, "k-new")),
        ];
        for (project, config) in projects.chain(rotations) {
            store_secret(&secrets, &format!("{prefix}{project}"), &config.to_string()).await;
        }
        Flows {
            idp,
            _jwks: jwks,
            runs: 0,
        }
    }

    /// Every flow once, in order; the first step that goes otherwise ends the run.
    pub fn run(&mut self, world: &mut World) -> Step<()> {
        self.runs += 1;
        let user_id = format!("u-rehearsal-{}-{}", self.runs, now());
        let user = json!({
            "id": user_id, "email": EMAIL, "email_verified": true,
            "name": "Alice Smith", "first_name": "Alice", "last_name": "Smith",
            "phone": "15550100", "avatar_url": "https://img.example.com/a.png",
        });
        let signed_in = now() - 30;
        let claims = claims_for(&user, signed_in);
        let token = |project| with_identity(fixture("issue-jwt", "token"), project, &claims);
        let user_hash =
            |project| with_identity(fixture("hash-user", "user-hash"), project, &claims);

        // Browser-facing routes: preflights, then each endpoint for the vendor it serves and the
        // one it refuses.
        let preflight = for_project(fixture("issue-jwt", "token-preflight"), JWT_PROJECT);
        world.step("token preflight", preflight, 204, None)?;
        let answer = world.step("token for a JWT vendor", token(JWT_PROJECT), 200, None)?;
        let jwt = answer.body["settings"]["token"].as_str().unwrap_or("");
        world.check("token for a JWT vendor", jwt.starts_with("eyJ"), "a JWT")?;
        // A vendor that fetches the project's public keys: its token, then the key set.
        let answer = world.step(
            "token for a key-pair vendor",
            token(KEYPAIR_PROJECT),
            200,
            None,
        )?;
        let identity = answer.body["settings"]["identityToken"]
            .as_str()
            .unwrap_or("");
        world.check(
            "token for a key-pair vendor",
            identity.starts_with("eyJ"),
            "a JWT",
        )?;
        let key_set = for_project(fixture("issue-jwt", "jwks"), KEYPAIR_PROJECT);
        let answer = world.step("the key-pair vendor's key set", key_set, 200, None)?;
        let kids: Vec<&str> = answer.body["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|key| key["kid"].as_str())
            .collect();
        world.check(
            "the key-pair vendor's key set",
            kids == ["k-new", "k-old"],
            "AWSCURRENT's key, then AWSPREVIOUS's",
        )?;
        // The same keys as PEM and as Dynamics 365's list.
        let step = "the key-pair vendor's keys as PEM";
        let pem = for_project(fixture("issue-jwt", "public-key-pem"), KEYPAIR_PROJECT);
        let answer = world.step(step, pem, 200, None)?;
        let pem_type = answer.header("content-type") == Some("application/x-pem-file");
        world.check(step, pem_type, "application/x-pem-file")?;
        let step = "the key-pair vendor's keys as Dynamics 365's list";
        let list = for_project(fixture("issue-jwt", "public-keys"), KEYPAIR_PROJECT);
        let answer = world.step(step, list, 200, None)?;
        let kids: Vec<&str> = answer
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| entry["kid"].as_str())
            .collect();
        world.check(
            step,
            kids == ["k-new", "k-old"],
            "AWSCURRENT's key, then AWSPREVIOUS's",
        )?;
        // A vendor whose API mints the token: the customer it names is kept for the user.
        let step = "token for a vendor whose API mints it, keeping the user's customer";
        let answer = world.step(step, token(MINTED_PROJECT), 200, None)?;
        let customer = &answer.body["settings"]["entityId"];
        world.check(step, customer == LIVECHAT_CUSTOMER, "LiveChat's customer")?;
        let to_hash = token(HASH_PROJECT);
        world.step(
            "token for a hash vendor",
            to_hash,
            409,
            Some("wrong_endpoint"),
        )?;
        let preflight = for_project(fixture("hash-user", "user-hash-preflight"), HASH_PROJECT);
        world.step("user-hash preflight", preflight, 204, None)?;
        let answer = world.step(
            "user-hash for a hash vendor",
            user_hash(HASH_PROJECT),
            200,
            None,
        )?;
        let hash = answer.body["settings"]["user_hash"].as_str().unwrap_or("");
        world.check(
            "user-hash for a hash vendor",
            hash.len() == 64,
            "a hex HMAC",
        )?;
        let to_jwt = user_hash(JWT_PROJECT);
        world.step(
            "user-hash for a JWT vendor",
            to_jwt,
            409,
            Some("wrong_endpoint"),
        )?;

        // Sprinklr's sessions, read back by the vendor's server.
        let step = "user-hash makes a Sprinklr custom-user session";
        let answer = world.step(step, user_hash(CUSTOM_PROJECT), 200, None)?;
        let custom = answer.body["settings"]["customUser"]["token"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        world.check(step, custom.len() == 32, "a session reference")?;
        let step = "user-hash makes a Sprinklr cookie session";
        let answer = world.step(step, user_hash(COOKIE_PROJECT), 200, None)?;
        let cookie = session_cookie(&answer);
        world.check(step, cookie.len() == 32, "a chatpass_session cookie")?;

        let details = callback_body(CUSTOM_PROJECT, &custom, CALLBACK_KEY_NEW);
        let step = "the vendor reads a custom-user session (current callback key, body)";
        let answer = world.step(step, details, 200, None)?;
        world.check(
            step,
            answer.body["id"] == json!(user_id),
            "the user's details",
        )?;
        let step = "the vendor reads it with the AWSPREVIOUS callback key (query string)";
        world.step(
            step,
            callback_query(CUSTOM_PROJECT, &custom, CALLBACK_KEY_OLD),
            200,
            None,
        )?;
        let step = "the vendor reads a cookie session";
        world.step(step, callback_cookie(COOKIE_PROJECT, &cookie), 200, None)?;

        // Logouts, and what they revoke.
        let delivery = format!("msg-rehearsal-{user_id}");
        let logout = signed_logout_webhook(
            CUSTOM_PROJECT,
            &webhook_secret(1),
            &delivery,
            now(),
            &logged_out_body(&user_id),
        );
        let step = "a webhook logout signed with the AWSPREVIOUS secret";
        let answer = world.step(step, logout.clone(), 200, None)?;
        world.check(step, answer.body["status"] == "logged_out", "logged_out")?;
        let answer = world.step("the same delivery again", logout, 200, None)?;
        let repeat = answer.body["status"] == "already_applied";
        world.check("the same delivery again", repeat, "already_applied")?;
        let nothing = json!({"type": "user.logged_out",
            "data": {"user_id": user_id, "session": "0".repeat(32)}})
        .to_string();
        let step = "a logout that changes nothing is recorded alone";
        let event = signed_logout_webhook(
            CUSTOM_PROJECT,
            &webhook_secret(2),
            &format!("{delivery}-nothing"),
            now(),
            &nothing,
        );
        world.step(step, event, 200, None)?;
        let details = callback_body(CUSTOM_PROJECT, &custom, CALLBACK_KEY_NEW);
        world.step(
            "the custom-user session ends at the logout",
            details,
            410,
            Some("gone"),
        )?;
        let step = "user-hash refuses an identity from before the logout";
        world.step(step, user_hash(CUSTOM_PROJECT), 403, Some("logged_out"))?;

        let claims = json!({
            "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 120,
            "jti": format!("jti-{user_id}"), "sub": user_id, "events": backchannel_events(),
        });
        let logout_token = self.idp.sign(claims.as_object().unwrap());
        let step = "an OIDC back-channel logout (the IdP's JWKS fetched)";
        let answer = world.step(step, oidc_logout(COOKIE_PROJECT, &logout_token), 200, None)?;
        world.check(step, answer.body["status"] == "logged_out", "logged_out")?;
        let step = "the cookie session ends at the logout";
        world.step(
            step,
            callback_cookie(COOKIE_PROJECT, &cookie),
            410,
            Some("gone"),
        )?;

        let logout = signed_logout_webhook(
            JWT_PROJECT,
            &webhook_secret(2),
            &format!("{delivery}-jsm"),
            now(),
            &logged_out_body(&user_id),
        );
        world.step(
            "a webhook logout on the JWT vendor's project",
            logout,
            200,
            None,
        )?;
        let step = "token refuses an identity from before the logout";
        world.step(step, token(JWT_PROJECT), 403, Some("logged_out"))?;
        Ok(())
    }
}

/// Authorities lambda_http 1.3 could build no URL from (a "Lambda panicked" 500 once).
const MALFORMED_AUTHORITIES: [&str; 7] = ["a:b", "x:99999", "[", "]", ":", "a:1:2", "[::1"];

impl Flows {
    /// The seams a security review found, through the functions' real binaries: an identity
    /// carrying `events` in every rendering is refused at both sign-in routes, and a Host
    /// header or `domainName` no URL can hold is answered, never a function error.
    pub fn seams(&mut self, world: &mut World) -> Step<()> {
        let user =
            json!({"id": format!("u-seams-{}", now()), "email": EMAIL, "email_verified": true});
        let claims = claims_for(&user, now() - 30);
        let logout_event = json!({"http://schemas.openid.net/event/backchannel-logout": {}});
        let renderings = [
            (
                "Go's map[...] (API Gateway)",
                json!(format!(
                    "map[{}:map[]]",
                    "http://schemas.openid.net/event/backchannel-logout"
                )),
            ),
            ("JSON text", json!(logout_event.to_string())),
            ("an empty value", json!("")),
        ];
        for (rendering, events) in renderings {
            let mut with_events = claims.clone();
            with_events["events"] = events;
            for (function, fixture_name, project) in [
                ("issue-jwt", "token", JWT_PROJECT),
                ("hash-user", "user-hash", HASH_PROJECT),
            ] {
                let event = with_identity(fixture(function, fixture_name), project, &with_events);
                let step = format!("{function} refuses an identity carrying events as {rendering}");
                world.step(&step, event, 401, Some("unauthorized"))?;
            }
        }
        let token = with_identity(fixture("issue-jwt", "token"), JWT_PROJECT, &claims);
        for authority in MALFORMED_AUTHORITIES {
            let mut in_host = token.clone();
            in_host["headers"]["host"] = json!(authority);
            world.step(
                &format!("token with Host `{authority}`"),
                in_host,
                200,
                None,
            )?;
            let mut in_domain = token.clone();
            in_domain["requestContext"]["domainName"] = json!(authority);
            let step = format!("token with domainName `{authority}`");
            world.step(&step, in_domain, 200, None)?;
        }
        let others = [
            (
                for_project(fixture("issue-jwt", "jwks"), KEYPAIR_PROJECT),
                200,
            ),
            (
                with_identity(fixture("hash-user", "user-hash"), HASH_PROJECT, &claims),
                200,
            ),
            (
                callback_body(CUSTOM_PROJECT, &"0".repeat(32), CALLBACK_KEY_NEW),
                404,
            ),
            (
                signed_logout_webhook(
                    JWT_PROJECT,
                    &webhook_secret(2),
                    &format!("msg-seams-{}", now()),
                    now(),
                    &logged_out_body("u-nobody"),
                ),
                200,
            ),
        ];
        for (event, status) in others {
            for authority in ["x:99999", "[::1"] {
                let mut event = event.clone();
                event["headers"]["host"] = json!(authority);
                event["requestContext"]["domainName"] = json!(authority);
                let route = event["routeKey"].as_str().unwrap_or_default().to_owned();
                world.step(
                    &format!("{route} with host `{authority}`"),
                    event,
                    status,
                    None,
                )?;
            }
        }
        Ok(())
    }
}

/// What no log line may hold: the projects' keys, callback keys, webhook secrets, the email.
pub fn secrets() -> Vec<String> {
    let mut secrets: Vec<String> = [
        JSM_KEY,
        INTERCOM_KEY,
        LIVECHAT_AGENT_TOKEN,
        LIVECHAT_CUSTOMER_TOKEN,
        SPRINKLR_KEY,
        CALLBACK_KEY_OLD,
        CALLBACK_KEY_NEW,
        EMAIL,
    ]
    .map(str::to_owned)
    .to_vec();
    secrets.extend([webhook_secret(1), webhook_secret(2)]);
    // The private keys' base64, line by line.
    secrets.extend(
        [RSA_KEY, RSA_KEY_NEXT]
            .iter()
            .flat_map(|key| key.lines())
            .filter(|line| !line.starts_with("-----"))
            .map(str::to_owned),
    );
    secrets
}

/// `event` for `project` carrying the JWT authorizer's `claims`, as API Gateway hands them on.
fn with_identity(event: Value, project: &str, claims: &Value) -> Value {
    let mut event = for_project(event, project);
    event["requestContext"]["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
    event
}

fn callback_body(project: &str, reference: &str, key: &str) -> Value {
    let mut event = for_project(fixture("user-details-callback", "user-details"), project);
    event["body"] = json!(json!({ "token": reference }).to_string());
    with_header(event, "authorization", Some(&format!("Bearer {key}")))
}

fn callback_query(project: &str, reference: &str, key: &str) -> Value {
    let mut event = for_project(
        fixture("user-details-callback", "user-details-query"),
        project,
    );
    event["rawQueryString"] = json!(format!("token={reference}"));
    event["queryStringParameters"] = json!({ "token": reference });
    with_header(event, "authorization", Some(&format!("Bearer {key}")))
}

fn callback_cookie(project: &str, reference: &str) -> Value {
    let mut event = for_project(
        fixture("user-details-callback", "user-details-cookie"),
        project,
    );
    event["cookies"] = json!([format!("chatpass_session={reference}")]);
    let key = format!("Bearer {CALLBACK_KEY_NEW}");
    with_header(event, "authorization", Some(&key))
}

/// The session reference of the answer's `chatpass_session` cookie ("" if none).
fn session_cookie(answer: &Answer) -> String {
    answer
        .cookies
        .iter()
        .find_map(|c| c.strip_prefix("chatpass_session="))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_default()
        .to_owned()
}
