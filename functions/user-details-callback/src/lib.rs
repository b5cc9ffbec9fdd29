//! user-details-callback: `POST|GET /v1/projects/{project}/user-details` answers the chat
//! vendor's server, which calls back with a session reference (body, query or the forwarded
//! `chatpass_session` cookie) and a callback key, with the user's details in its field names.

use chatpass_service::pipeline::{self, Answer, Call, Route, Served, VendorServer};
use chatpass_service::request::{self, json_response};
use chatpass_service::store::{SESSION_COOKIE, SessionIn, SessionLookup, UserIn};
use chatpass_service::{ProjectConfig, ServiceError, State};
use chatpass_signing::User;
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{Map, Value};

pub const ROUTE: Route<VendorServer> = Route::new(
    "user-details",
    "user-details-callback",
    &[Method::GET, Method::POST],
    VendorServer,
    "user-details",
);

/// The routes this function answers.
pub const ROUTES: &[Served] = &[ROUTE.served(|state, request| Box::pin(handler(state, request)))];

pub fn handler(state: &State, request: Request) -> impl Future<Output = Response<Body>> + '_ {
    pipeline::respond(state, request, &ROUTE, answer)
}

/// The details of the session the vendor's server names, unless it is unknown, expired, ended
/// by a logout of its own, or its user logged out since the identity behind it was issued.
async fn answer(call: Call<'_, ()>) -> Result<Answer, ServiceError> {
    let Call {
        state,
        request,
        project,
        ..
    } = call;
    let reference = reference(request)?.ok_or(ServiceError::MissingToken)?;
    if !is_reference(&reference) {
        return Err(ServiceError::SessionNotFound);
    }
    let now = state.clock.now();
    let which = SessionIn {
        project: &project.project,
        reference: &reference,
    };
    let session = match state.sessions.session(which, now).await? {
        SessionLookup::Active(session) => session,
        SessionLookup::Unknown => return Err(ServiceError::SessionNotFound),
        SessionLookup::Expired => return Err(ServiceError::SessionExpired),
        SessionLookup::Ended(_) => return Err(ServiceError::SessionEnded),
    };
    let whose = UserIn {
        project: &project.project,
        user_id: &session.user.id,
    };
    let logged_out_at = state.sessions.logged_out_at(whose, now).await?;
    if pipeline::ended_by_logout(session.issued_at, logged_out_at) {
        return Err(ServiceError::SessionLoggedOut);
    }
    Ok(json_response(StatusCode::OK, &details(&project, &session.user)).into())
}

/// The reference from the JSON body's `token`, the query's `token`, or the session cookie
/// (which must appear once: a sibling subdomain could plant a second one).
fn reference(request: &Request) -> Result<Option<String>, ServiceError> {
    if request.method() == Method::POST
        && let Some(body) = request::json_body(request)?
        && let Some(token) = body.get("token")
    {
        return match token {
            Value::String(token) => Ok(Some(token.clone())),
            _ => Err(ServiceError::BadJson("`token` must be a string")),
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
    let mut cookies = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned());
    match (cookies.next(), cookies.next()) {
        (Some(_), Some(_)) => Err(ServiceError::RepeatedCookie),
        (first, _) => Ok(first),
    }
}

/// References chatpass issues: 32 lowercase hex digits.
fn is_reference(value: &str) -> bool {
    value.len() == 32
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The user's details in the vendor's field names: the project's map, else the vendor's.
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
        None => project
            .vendor
            .callback_fields()
            .iter()
            .filter_map(|(canonical, name)| Some(((*name).to_owned(), field(canonical)?)))
            .collect(),
    }
}
