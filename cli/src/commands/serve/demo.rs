//! The embedded default of `chatpass serve`: a demo project per vendor with keys made at
//! start, a stand-in identity provider (`/dev/login`, `/dev/jwks.json`), and the helpers the
//! demo page uses to play the brand's backend (`/dev/logout`, and the site's own sign-in on the
//! page's origin, `/site/...`) and the vendor's server (`/dev/user-details`, `/dev/keys`: the
//! project's published keys, which the page cannot read cross-origin itself). None of this
//! exists outside the demo.

use super::gateway::{Gateway, HttpResponse, answer, from_lambda};
use crate::commands::random_bytes;
use crate::routes;
use crate::signing_keys::new_rsa_signing_key;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use chatpass_service::identity::{IdentityVerifier, Jwks, StandinIdp};
use chatpass_service::pipeline::{Cors, RouteSpec, Served};
use chatpass_service::settings::IdentityProvider;
use chatpass_service::{ProjectConfig, ProjectId};
use chatpass_signing::mac::sha256_hex;
use chatpass_signing::vendors;
use chatpass_signing::vendors::StarterKey;
use chatpass_signing::webhook::WebhookSecret;
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

const AUDIENCE: &str = "chatpass-demo";
const PAGE: &str = include_str!("page.html");
/// The demo site's session cookie (HttpOnly: the page's scripts never see it): the stand-in
/// identity provider's ID token, from which `/site/token` mints fresh ones.
const SITE_COOKIE: &str = "demo_site";
/// The demo page runs under a strict CSP: its scripts are its own origin's files only.
const PAGE_CSP: &str =
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// One demo project as the page lists it, with the widget's calls the page shows.
#[derive(Clone, serde::Serialize)]
pub struct DemoProject {
    pub project: String,
    pub vendor: &'static str,
    pub endpoint: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    /// The project signs with its own key and publishes the public one (`jwks.json`).
    pub publishes_keys: bool,
}

pub struct Demo {
    idp: StandinIdp,
    verifier: Arc<IdentityVerifier>,
    projects: Vec<DemoProject>,
    webhook_secret: WebhookSecret,
    callback_key: String,
    page_origins: Vec<String>,
}

fn random_text<const N: usize>() -> Result<String, String> {
    random_bytes::<N>().map(|b| URL_SAFE_NO_PAD.encode(b))
}

/// The demo projects: one per mode of every vendor (`demo-<vendor>[-<mode>]`), each with a
/// random key written the vendor's way (hex for Pylon, base64 for Infobip), or a key pair made
/// at start for vendors that verify with its public key.
fn documents(
    page_origins: &[String],
    webhook_secret: &str,
    callback_key: &str,
    now: u64,
) -> Result<Vec<(String, Value)>, String> {
    let mut documents = Vec::new();
    for spec in vendors::specs() {
        for mode in spec.demo_modes {
            let key = spec
                .key_encoding(mode.options)
                .write(&random_bytes::<32>()?);
            let mut doc = json!({
                "vendor": spec.id,
                "key": key,
                "allowed_origins": page_origins,
                "callback_keys": [callback_key],
                "webhook_secrets": [webhook_secret],
            });
            match spec.starter.key {
                StarterKey::FromVendor if spec.starter.key_id => doc["key_id"] = json!("app_demo"),
                StarterKey::FromVendor => {}
                StarterKey::RsaKeyPair => {
                    let key = new_rsa_signing_key(jsonwebtoken::Algorithm::RS256, now)?;
                    doc["key"] = json!(key.pem.as_str());
                    doc["key_id"] = json!(key.kid);
                }
            }
            if !mode.options.is_empty() {
                doc["options"] = serde_json::from_str(mode.options).map_err(|e| e.to_string())?;
            }
            let id = match mode.suffix {
                "" => format!("demo-{}", spec.id),
                suffix => format!("demo-{}-{suffix}", spec.id),
            };
            documents.push((id, doc));
        }
    }
    Ok(documents)
}

impl Demo {
    /// Makes keys and the stand-in IdP; the page is served from `page_origins`. With the demo:
    /// its projects' configs, and its identity provider as the functions trust it.
    pub fn generate(
        issuer: &str,
        page_origins: Vec<String>,
        now: u64,
    ) -> Result<(Demo, Vec<ProjectConfig>, IdentityProvider), String> {
        let webhook_secret = format!("whsec_{}", STANDARD.encode(random_bytes::<32>()?));
        let callback_key = random_text::<32>()?;
        let mut configs = Vec::new();
        let mut projects = Vec::new();
        for (id, doc) in documents(&page_origins, &webhook_secret, &callback_key, now)? {
            let config = ProjectConfig::from_value(&id, doc).map_err(|e| e.to_string())?;
            let spec = vendors::spec(config.vendor.id()).ok_or("a vendor without a spec")?;
            projects.push(DemoProject {
                project: id,
                vendor: spec.id,
                endpoint: spec.endpoint.path(),
                sign_in: spec.page.sign_in,
                sign_out: spec.page.sign_out,
                publishes_keys: config.vendor.public_jwk().is_some(),
            });
            configs.push(config);
        }
        let idp = StandinIdp::generate(issuer, AUDIENCE);
        let verifier = Arc::new(IdentityVerifier::new(
            Jwks::document(&idp.jwks()).map_err(|e| e.to_string())?,
            issuer.to_owned(),
            AUDIENCE.to_owned(),
        ));
        let webhook_secret = WebhookSecret::parse(&webhook_secret).map_err(|e| e.to_string())?;
        let trusted = IdentityProvider {
            jwks: idp.jwks(),
            issuer: issuer.to_owned(),
            audience: AUDIENCE.to_owned(),
        };
        Ok((
            Demo {
                idp,
                verifier,
                projects,
                webhook_secret,
                callback_key,
                page_origins,
            },
            configs,
            trusted,
        ))
    }

    pub fn projects(&self) -> &[DemoProject] {
        &self.projects
    }

    /// The demo page, with the API's address filled in.
    pub fn page(api: &str) -> HttpResponse {
        let html = PAGE.replace("__CHATPASS_API__", api);
        let mut response = answer(StatusCode::OK, html, "text/html; charset=utf-8", "no-store");
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        );
        response
    }

    /// The brand site's own sign-in, on the page's origin: `/site/login` (`{"email","name"}`)
    /// starts a session in an HttpOnly cookie, `/site/token` answers a fresh ID token for it
    /// (what a site's `auth.getIdToken()` does), `/site/logout` ends it and tells chatpass, as
    /// the brand's backend would (`/dev/logout`).
    pub async fn site(
        &self,
        gateway: &Gateway,
        parts: &http::request::Parts,
        body: &Bytes,
    ) -> HttpResponse {
        let now = gateway.state.clock.now();
        let session = self.site_session(&parts.headers, now).await;
        let (status, answer, cookie) = match (parts.uri.path(), session) {
            ("/site/login", _) => {
                let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let (status, answer) = self.login(now, &body);
                let cookie = answer["id_token"].as_str().map(|token| {
                    format!("{SITE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
                });
                let shown =
                    json!({ "sub": answer["sub"], "email": body["email"], "code": answer["code"] });
                (status, shown, cookie)
            }
            ("/site/token", Some(claims)) => {
                let mut profile = json!({"email_verified": true});
                for field in ["email", "name", "given_name", "family_name"] {
                    if let Some(value) = claims.get(field) {
                        profile[field] = value.clone();
                    }
                }
                let subject = claims["sub"].as_str().unwrap_or_default();
                let token = self.idp.id_token(subject, now, profile);
                let who =
                    json!({ "id_token": token, "email": claims["email"], "sub": claims["sub"] });
                (StatusCode::OK, who, None)
            }
            ("/site/logout", Some(claims)) => {
                let token =
                    self.idp
                        .id_token(claims["sub"].as_str().unwrap_or_default(), now, json!({}));
                let (status, answer) = self
                    .logout(gateway, now, &json!({ "id_token": token }))
                    .await;
                let cleared =
                    format!("{SITE_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
                (status, answer, Some(cleared))
            }
            (_, None) => (
                StatusCode::UNAUTHORIZED,
                json!({"code": "signed_out", "detail": "not signed in to the demo site"}),
                None,
            ),
            _ => (StatusCode::NOT_FOUND, json!({"code": "no_route"}), None),
        };
        let mut response = json_answer(status, &answer);
        if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        response
    }

    /// The claims of the site session's ID token, if the cookie holds one the stand-in signed.
    async fn site_session(&self, headers: &http::HeaderMap, now: u64) -> Option<Value> {
        let token = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(SITE_COOKIE)?.strip_prefix('='))?;
        let claims = self.verifier.verify(token, now).await.ok()?;
        serde_json::to_value(claims).ok()
    }

    /// The `/dev/...` routes on the API's address.
    pub async fn handle(
        &self,
        gateway: &Gateway,
        parts: http::request::Parts,
        body: Bytes,
    ) -> HttpResponse {
        // An origin other than the demo page's gets its answer, unreadable by its scripts.
        let cors = Cors::check(&self.page_origins, &parts.headers).unwrap_or_default();
        if parts.method == Method::OPTIONS {
            let methods = [Method::GET, Method::POST, Method::OPTIONS];
            return cors.apply(from_lambda(Cors::preflight(&methods)));
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let now = gateway.state.clock.now();
        let (status, answer) = match (&parts.method, parts.uri.path()) {
            (&Method::GET, "/dev/jwks.json") => (
                StatusCode::OK,
                serde_json::from_str(&self.idp.jwks()).unwrap_or_default(),
            ),
            (&Method::GET, "/dev/projects") => (StatusCode::OK, json!(self.projects)),
            (&Method::POST, "/dev/login") => self.login(now, &body),
            (&Method::POST, "/dev/logout") => self.logout(gateway, now, &body).await,
            (&Method::POST, "/dev/user-details") => {
                self.user_details(gateway, &body, &parts.headers).await
            }
            (&Method::POST, "/dev/keys") => self.keys(gateway, &body).await,
            _ => (StatusCode::NOT_FOUND, json!({"code": "no_route"})),
        };
        cors.apply(json_answer(status, &answer))
    }

    /// `{"email", "name"}` → `{"id_token"}`: a verified-email RS256 ID token from the stand-in.
    fn login(&self, now: u64, body: &Value) -> (StatusCode, Value) {
        let Some(email) = body["email"]
            .as_str()
            .filter(|e| e.contains('@') && e.len() <= 254)
        else {
            return (
                StatusCode::BAD_REQUEST,
                json!({"code": "bad_email", "detail": "an email address is required"}),
            );
        };
        let name = body["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .unwrap_or(email);
        let mut words = name.split_whitespace();
        let (given, family) = (
            words.next().unwrap_or(name),
            words.collect::<Vec<_>>().join(" "),
        );
        let subject = format!(
            "user-{}",
            &sha256_hex(&[email.to_ascii_lowercase().as_bytes()])[..12]
        );
        let token = self.idp.id_token(
            &subject,
            now,
            json!({"email": email, "email_verified": true, "name": name, "given_name": given, "family_name": family}),
        );
        (StatusCode::OK, json!({ "id_token": token, "sub": subject }))
    }

    /// `{"id_token"}` → the brand's backend tells chatpass the user logged out: a signed
    /// Standard Webhooks delivery to every demo project's logout route.
    async fn logout(&self, gateway: &Gateway, now: u64, body: &Value) -> (StatusCode, Value) {
        let claims = match body["id_token"].as_str() {
            Some(token) => self.verifier.verify(token, now).await.ok(),
            None => None,
        };
        let Some(claims) = claims else {
            return (
                StatusCode::UNAUTHORIZED,
                json!({"code": "unauthorized", "detail": "a valid id_token is required"}),
            );
        };
        let user_id = claims.get("sub").cloned().unwrap_or_default();
        let delivery = json!({"type": "user.logged_out", "data": {"user_id": user_id}}).to_string();
        let mut ended = 0;
        for project in &self.projects {
            let id = format!("msg_{}", random_text::<12>().unwrap_or_default());
            let signature = self
                .webhook_secret
                .sign(&id, now as i64, delivery.as_bytes());
            let request = http::Request::post(format!("/v1/projects/{}/logout", project.project))
                .header(header::CONTENT_TYPE, "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", now.to_string())
                .header("webhook-signature", signature)
                .body(())
                .expect("a valid request");
            let response = gateway
                .call(
                    route(&logout_webhook::ROUTE.spec),
                    &project.project,
                    request.into_parts().0,
                    Bytes::from(delivery.clone()),
                    IpAddr::V4(Ipv4Addr::LOCALHOST),
                )
                .await;
            ended += usize::from(response.status() == StatusCode::OK);
        }
        (
            StatusCode::OK,
            json!({ "user_id": user_id, "projects_logged_out": ended }),
        )
    }

    /// `{"project"}` → what the vendor's server gets from the project's `jwks.json`.
    async fn keys(&self, gateway: &Gateway, body: &Value) -> (StatusCode, Value) {
        let project = match project_of(body) {
            Ok(project) => project,
            Err(refusal) => return refusal,
        };
        let Ok(request) = http::Request::get(format!("/v1/projects/{project}/jwks.json")).body(())
        else {
            return unknown_project();
        };
        as_the_vendor_sees_it(
            gateway,
            route(&issue_jwt::JWKS_ROUTE.spec),
            project.as_str(),
            request,
            Bytes::new(),
        )
        .await
    }

    /// `{"project", "token"}` → what the vendor's server gets from user-details for it. Without
    /// a token, the browser's `chatpass_session` cookie is forwarded, as Sprinklr's cookie mode does.
    async fn user_details(
        &self,
        gateway: &Gateway,
        body: &Value,
        headers: &http::HeaderMap,
    ) -> (StatusCode, Value) {
        let project = match project_of(body) {
            Ok(project) => project,
            Err(refusal) => return refusal,
        };
        let mut request = http::Request::post(format!("/v1/projects/{project}/user-details"))
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.callback_key),
            );
        let payload = match body["token"].as_str() {
            Some(token) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                json!({ "token": token }).to_string()
            }
            None => {
                for cookie in headers.get_all(header::COOKIE) {
                    request = request.header(header::COOKIE, cookie);
                }
                String::new()
            }
        };
        let Ok(request) = request.body(()) else {
            return unknown_project();
        };
        let payload = Bytes::from(payload);
        as_the_vendor_sees_it(
            gateway,
            route(&user_details_callback::ROUTE.spec),
            project.as_str(),
            request,
            payload,
        )
        .await
    }
}

/// The `project` of a `/dev` request's body, checked against the id pattern before it is put
/// in a path: anything else is refused as the API refuses it.
fn project_of(body: &Value) -> Result<ProjectId, (StatusCode, Value)> {
    let Some(project) = body["project"].as_str() else {
        return Err((
            StatusCode::BAD_REQUEST,
            json!({"code": "bad_request", "detail": "project is required"}),
        ));
    };
    ProjectId::parse(project).ok_or_else(unknown_project)
}

fn unknown_project() -> (StatusCode, Value) {
    (
        StatusCode::NOT_FOUND,
        json!({"code": "unknown_project", "detail": "no such project"}),
    )
}

/// The route table's entry of a route the demo calls itself.
fn route(spec: &RouteSpec) -> &'static Served {
    routes::named(spec.name).expect("every function's routes are in the table")
}

/// `request` to `route` of `project` from the vendor's server (loopback), answered to the page
/// as the status and JSON body the vendor's server got (`null` when the body is not JSON).
async fn as_the_vendor_sees_it(
    gateway: &Gateway,
    route: &Served,
    project: &str,
    request: http::Request<()>,
    body: Bytes,
) -> (StatusCode, Value) {
    let parts = request.into_parts().0;
    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let response = gateway.call(route, project, parts, body, localhost).await;
    let status = response.status();
    let answer = http_body_util::BodyExt::collect(response.into_body())
        .await
        .ok()
        .and_then(|body| serde_json::from_slice(&body.to_bytes()).ok())
        .unwrap_or(Value::Null);
    (
        StatusCode::OK,
        json!({ "status": status.as_u16(), "body": answer }),
    )
}

/// A JSON answer of the demo's helpers, never cached.
fn json_answer(status: StatusCode, body: &Value) -> HttpResponse {
    answer(status, body.to_string(), "application/json", "no-store")
}
