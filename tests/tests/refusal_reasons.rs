//! Every refusal's log line carries its precise reason code — why a token, a key or a
//! signature was refused, which policy said no — while the problem+json body stays as terse as
//! its stable code. One test: the log capture is the process's global subscriber.

use chatpass_service::identity::StandinIdp;
use chatpass_service::pipeline::Served;
use chatpass_service::store::{Logout, LogoutDelivery};
use chatpass_service::testing::{
    AUDIENCE, CALLBACK_KEY, ISSUER, JSM_KEY, LOGOUT_AUDIENCE, LogCapture, NOW, ORIGIN,
    SPRINKLR_KEY, WEBHOOK_SECRET, harness, idp, with_claims, with_header, without_authorizer,
};
use chatpass_tests::support::route;
use chatpass_tests::support::{
    backchannel_events, fixture, for_project, logged_out_body, oidc_logout, request,
    signed_logout_webhook,
};
use serde_json::{Value, json};

fn projects(jwks_url: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "acme-jsm",
            json!({"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN]}),
        ),
        (
            "acme-domain",
            json!({"vendor": "drift", "key": JSM_KEY, "allowed_origins": [ORIGIN], "allowed_email_domains": ["example.org"]}),
        ),
        (
            "acme-sprinklr",
            json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "custom-user"},
                   "callback_keys": [CALLBACK_KEY], "webhook_secrets": [WEBHOOK_SECRET],
                   "oidc_logout": {"issuer": ISSUER, "audience": LOGOUT_AUDIENCE, "jwks_url": jwks_url}}),
        ),
    ]
}

fn bearer(event: Value, token: &str) -> Value {
    with_header(
        without_authorizer(event),
        "authorization",
        Some(&format!("Bearer {token}")),
    )
}

#[tokio::test]
async fn every_refusal_logs_its_precise_reason_and_answers_only_its_code() {
    let capture = LogCapture::install();
    let jwks = chatpass_service::testing::JwksServer::start(&idp().jwks()).await;
    let h = harness(&projects(&jwks.url()), NOW).with_verifier(idp());
    let token = fixture("issue-jwt", "token");
    let stranger = StandinIdp::generate(ISSUER, AUDIENCE);
    let good = |extra: Value| idp().id_token("u-1001", NOW, extra);
    let verified = json!({"email": "alice@example.com", "email_verified": true, "name": "Alice"});
    let tampered = {
        let t = good(verified.clone());
        let (head, signature) = t.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        format!("{head}.{flipped}{}", &signature[1..])
    };
    let another_user = Logout::User {
        user_id: "u-2002".into(),
    };
    let delivery = LogoutDelivery {
        project: "acme-jsm",
        id: "d-1",
        logout: &another_user,
        at: NOW,
    };
    h.store.apply_logout(delivery, NOW).await.unwrap();
    let logout_claims = |aud: &str| {
        json!({"iss": ISSUER, "aud": aud, "sub": "u-1001", "iat": NOW, "exp": NOW + 60,
               "jti": "j-1", "events": backchannel_events()})
    };

    let cases: Vec<(&Served, Value, u16, &str, &str)> = vec![
        (route("token"), with_header(without_authorizer(token.clone()), "authorization", None), 401, "unauthorized", "missing_bearer"),
        (route("token"), bearer(token.clone(), "not-a-jwt"), 401, "unauthorized", "malformed_token"),
        (route("token"), bearer(token.clone(), &stranger.id_token("u-1001", NOW, verified.clone())), 401, "unauthorized", "unknown_kid"),
        (route("token"), bearer(token.clone(), &tampered), 401, "unauthorized", "bad_signature"),
        (route("token"), bearer(token.clone(), &idp().id_token("u-1001", NOW - 7_200, verified.clone())), 401, "unauthorized", "expired"),
        (route("token"), bearer(token.clone(), &good(json!({"aud": "someone-else"}))), 401, "unauthorized", "wrong_audience"),
        (route("token"), bearer(token.clone(), &good(json!({"email": "alice@example.com", "email_verified": false}))), 403, "email_not_verified", "email_not_verified"),
        (route("token"), with_claims(token.clone(), json!({"sub": "u-2002"})), 403, "logged_out", "logged_out"),
        (route("token"), for_project(with_claims(token.clone(), json!({})), "acme-domain"), 403, "email_domain_not_allowed", "email_domain_not_allowed"),
        (route("token"), with_claims(token.clone(), json!({"exp": (NOW + 90_000).to_string()})), 401, "unauthorized", "lifetime_too_long"),
        (route("user-details"), with_header(fixture("user-details-callback", "user-details"), "authorization", Some("Bearer not-the-key")), 401, "unauthorized", "callback_key_refused"),
        (route("logout"), signed_logout_webhook("acme-sprinklr", "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "m-1", NOW, &logged_out_body("u-1001")), 401, "unauthorized", "webhook_signature_mismatch"),
        (route("logout"), signed_logout_webhook("acme-sprinklr", WEBHOOK_SECRET, "m-2", NOW - 3_600, &logged_out_body("u-1001")), 401, "unauthorized", "webhook_too_old"),
        (route("logout"), oidc_logout("acme-sprinklr", &idp().sign(logout_claims("someone-else").as_object().unwrap())), 400, "invalid_logout_token", "wrong_audience"),
        (route("logout"), oidc_logout("acme-sprinklr", &idp().sign(json!({"iss": ISSUER, "aud": LOGOUT_AUDIENCE, "sub": "u-1001", "iat": NOW, "exp": NOW + 60, "jti": "j-2"}).as_object().unwrap())), 400, "invalid_logout_token", "not_a_logout_token"),
    ];
    for (i, (route, event, status, code, _)) in cases.iter().enumerate() {
        let mut event = event.clone();
        event["requestContext"]["requestId"] = json!(format!("reasons-{i}"));
        let response = route.handle(&h.state, request(&event)).await;
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!(
            (response.status().as_u16(), body["code"].as_str().unwrap()),
            (*status, *code),
            "{body}"
        );
        if *status == 401 {
            assert!(
                [
                    "the identity token was refused",
                    "a bearer identity token is required",
                    "the callback key was refused",
                    "the webhook signature or timestamp was refused"
                ]
                .contains(&body["detail"].as_str().unwrap()),
                "a 401 stays terse: {body}"
            );
        }
    }
    // Other tests of the binary log through the same capture: these requests' lines, in order.
    let logged = capture.request_lines();
    let lines: Vec<&Value> = (0..cases.len())
        .filter_map(|i| {
            let id = format!("reasons-{i}");
            logged.iter().find(|line| line["request_id"] == id)
        })
        .collect();
    assert_eq!(lines.len(), cases.len(), "one request line per call");
    for (line, (route, _, status, code, reason)) in lines.iter().zip(&cases) {
        assert_eq!(
            (
                line["route"].as_str(),
                line["status"].as_u64(),
                line["outcome"].as_str(),
                line["reason"].as_str()
            ),
            (
                Some(route.spec.name),
                Some(u64::from(*status)),
                Some(*code),
                Some(*reason)
            ),
            "{line}"
        );
    }
}
