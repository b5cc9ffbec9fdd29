//! The API Gateway (HTTP API, payload 2.0) event's fields some work reads, and the proxy
//! answer: nothing else of the event is deserialized.

use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub path_parameters: PathParameters,
    #[serde(default)]
    pub headers: Headers,
    pub body: Option<String>,
    pub request_context: RequestContext,
}

#[derive(Deserialize)]
pub struct PathParameters {
    pub project: String,
}

#[derive(Deserialize, Default)]
pub struct Headers {
    pub authorization: Option<String>,
    #[serde(rename = "webhook-id")]
    pub webhook_id: Option<String>,
    #[serde(rename = "webhook-timestamp")]
    pub webhook_timestamp: Option<String>,
    #[serde(rename = "webhook-signature")]
    pub webhook_signature: Option<String>,
}

#[derive(Deserialize)]
pub struct RequestContext {
    pub authorizer: Option<Authorizer>,
}

#[derive(Deserialize)]
pub struct Authorizer {
    pub jwt: Jwt,
}

#[derive(Deserialize)]
pub struct Jwt {
    pub claims: Claims,
}

/// The API Gateway JWT authorizer's claims (strings, as it passes them).
#[derive(Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub phone_number: Option<String>,
    pub iat: Option<String>,
}

impl Event {
    pub fn claims(&self) -> Option<&Claims> {
        Some(&self.request_context.authorizer.as_ref()?.jwt.claims)
    }

    pub fn bearer(&self) -> Option<&str> {
        self.headers
            .authorization
            .as_deref()?
            .strip_prefix("Bearer ")
    }
}

/// The proxy answer API Gateway turns into the HTTP response.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    status_code: u16,
    headers: ContentType,
    body: String,
}

#[derive(Serialize)]
struct ContentType {
    #[serde(rename = "content-type")]
    content_type: &'static str,
}

impl Answer {
    pub fn json(status_code: u16, body: String) -> Answer {
        Answer {
            status_code,
            headers: ContentType {
                content_type: "application/json",
            },
            body,
        }
    }
}
