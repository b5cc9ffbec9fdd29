//! user-details-callback: `POST|GET /v1/projects/{project}/user-details` answers the chat
//! vendor's server, which calls back with a session reference (body, query or the forwarded
//! `chatpass_session` cookie) and a callback key, with the user's details in its field names.

use chatpass_service::http::{self, RequestLog, json_response};
use chatpass_service::store::SessionLookup;
use chatpass_service::{ProjectConfig, ServiceError, State, signin};
use chatpass_signing::User;
use chatpass_signing::keys::matches_any;
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{Map, Value};

/// The cookie hash-user sets in Sprinklr's cookie mode.
pub const SESSION_COOKIE: &str = "chatpass_session";

/// Canonical user field → the name Sprinklr's user-details API expects.
const SPRINKLR_FIELDS: [(&str, &str); 6] = [
    ("id", "id"),
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("avatar_url", "profileImageUrl"),
    ("phone", "phoneNo"),
    ("email", "email"),
];

pub async fn handler(state: &State, request: Request) -> Response<Body> {
    let log = RequestLog::start(&request, "user-details");
    let (response, code) = match answer(state, &request).await {
        Ok(response) => (response, "ok"),
        Err(error) => {
            let code = error.code();
            (error.into_response(), code)
        }
    };
    log.finish(response, code)
}

async fn answer(state: &State, request: &Request) -> Result<Response<Body>, ServiceError> {
    let project = signin::project(state, request).await?;
    http::require_method(request, &[Method::GET, Method::POST])?;
    authenticate(&project, request)?;
    let Some(reference) = reference(request)? else {
        return Err(ServiceError::BadRequest(
            "missing_token",
            "no session reference in the body, the query or the cookie".into(),
        ));
    };
    if !is_reference(&reference) {
        return Err(ServiceError::NotFound("no such session"));
    }
    let now = state.clock.now();
    let unavailable = |e: chatpass_service::store::StoreError| {
        tracing::warn!(cause = %e, "session store unavailable");
        ServiceError::StoreUnavailable
    };
    let session = match state
        .sessions
        .session(&project.project, &reference, now)
        .await
        .map_err(unavailable)?
    {
        SessionLookup::Active(session) => session,
        SessionLookup::Unknown => return Err(ServiceError::NotFound("no such session")),
        SessionLookup::Expired => return Err(ServiceError::Gone("the session expired")),
        SessionLookup::Ended(_) => {
            return Err(ServiceError::Gone("the session was ended by a logout"));
        }
    };
    let logged_out_at = state
        .sessions
        .logged_out_at(&project.project, &session.user.id, now)
        .await
        .map_err(unavailable)?;
    if logged_out_at.is_some_and(|at| session.created_ms < (at + 1) * 1000) {
        return Err(ServiceError::Gone(
            "the user logged out after this session began",
        ));
    }
    Ok(json_response(
        StatusCode::OK,
        &details(&project, &session.user),
    ))
}

/// The vendor's server: from an allowed address if the project lists any, with a callback key.
fn authenticate(project: &ProjectConfig, request: &Request) -> Result<(), ServiceError> {
    if !project.callback_allowed_ips.is_empty() {
        let allowed = http::source_ip(request).is_some_and(|ip| {
            project
                .callback_allowed_ips
                .iter()
                .any(|net| net.contains(&ip))
        });
        if !allowed {
            return Err(ServiceError::Unauthorized("this address may not call back"));
        }
    }
    let presented =
        http::bearer(request).ok_or(ServiceError::Unauthorized("a callback key is required"))?;
    if project.callback_keys.is_empty()
        || !matches_any(&project.callback_keys, presented.as_bytes())
    {
        return Err(ServiceError::Unauthorized("the callback key was refused"));
    }
    Ok(())
}

/// The reference from the JSON body's `token`, the query's `token`, or the session cookie.
fn reference(request: &Request) -> Result<Option<String>, ServiceError> {
    if request.method() == Method::POST
        && let Some(body) = http::json_body(request)?
        && let Some(token) = body.get("token")
    {
        return match token {
            Value::String(token) => Ok(Some(token.clone())),
            _ => Err(ServiceError::BadRequest(
                "bad_json",
                "`token` must be a string".into(),
            )),
        };
    }
    let from_query = request
        .query_string_parameters_ref()
        .and_then(|q| q.first("token").map(str::to_owned))
        .or_else(|| {
            let query = request.uri().query()?;
            serde_urlencoded::from_str::<Vec<(String, String)>>(query)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v)
        });
    if from_query.is_some() {
        return Ok(from_query);
    }
    let from_cookie = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned());
    Ok(from_cookie)
}

/// References chatpass issues: 32 lowercase hex digits.
fn is_reference(value: &str) -> bool {
    value.len() == 32
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The user's details in the vendor's field names: the project's map, else Sprinklr's.
fn details(project: &ProjectConfig, user: &User) -> Map<String, Value> {
    let user = serde_json::to_value(user).unwrap_or_default();
    let field = |canonical: &str| {
        user.get(canonical)
            .filter(|v| !v.is_null() && *v != "")
            .cloned()
    };
    match &project.user_details_fields {
        Some(map) => map
            .iter()
            .filter_map(|(canonical, name)| Some((name.clone(), field(canonical)?)))
            .collect(),
        None => SPRINKLR_FIELDS
            .iter()
            .filter_map(|(canonical, name)| Some(((*name).to_owned(), field(canonical)?)))
            .collect(),
    }
}
