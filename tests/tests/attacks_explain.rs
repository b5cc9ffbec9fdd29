//! The JWT attack suite against vendor tokens, through `explain`: every attack is reported as
//! a problem, never accepted; and the suite's size, as SECURITY.md states it.

use chatpass_signing::explain::{Problem, explain};
use chatpass_signing::keys::VendorKey;
use chatpass_signing::{Vendor, VendorConfig, vendors};
use chatpass_tests::jwt_attacks::*;
use jsonwebtoken::Algorithm as Alg;
use serde_json::{Value, json};

// --- (c) explain: vendor tokens --------------------------------------------------------------

const VENDOR_KEY: &str = "vendor-key-of-the-attacked-project";

fn vendor(id: &str) -> Box<dyn Vendor> {
    let mut config = json!({"vendor": id, "key": VENDOR_KEY});
    if id == "zendesk" {
        config["key_id"] = json!("app_1");
    }
    let config: VendorConfig = serde_json::from_value(config).unwrap();
    vendors::build(&config).unwrap()
}

fn vendor_claims(id: &str) -> Value {
    match id {
        "jsm-chat" => json!({"email": "alice@example.com", "iat": NOW - 10, "exp": NOW + 290}),
        "zendesk" => json!({"scope": "user", "external_id": USER_ID, "exp": NOW + 290}),
        "kustomer" => json!({"externalId": USER_ID, "iat": NOW - 10}),
        _ => unreachable!(),
    }
}

fn vendor_header(id: &str) -> Value {
    match id {
        "zendesk" => json!({"alg": "HS256", "typ": "JWT", "kid": "app_1"}),
        _ => json!({"alg": "HS256", "typ": "JWT"}),
    }
}

fn hs256(header: &Value, claims: &Value, key: &str) -> String {
    hmac(Alg::HS256, header, claims, key.as_bytes())
}

/// The problem of a header naming `alg` where the vendor signs HS256.
fn wrong_algorithm(alg: &str) -> Problem {
    Problem::WrongAlgorithm {
        found: alg.to_owned(),
        expected: "HS256".to_owned(),
    }
}

struct ExplainCase {
    name: String,
    token: String,
    /// A problem the explanation must list.
    problem: Problem,
}

fn explain_cases(id: &str) -> Vec<ExplainCase> {
    let header = vendor_header(id);
    let good_claims = vendor_claims(id);
    let good = hs256(&header, &good_claims, VENDOR_KEY);
    let expected_kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    let mut out = Vec::new();
    let mut push = |name: String, token: String, problem: Problem| {
        out.push(ExplainCase {
            name,
            token,
            problem,
        })
    };
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = changed(&header, json!({"alg": alg}));
        for (label, signature) in [("empty", String::new()), ("garbage", b64("garbage"))] {
            push(
                format!("alg {alg}, {label} signature"),
                assemble(&h, &good_claims, &signature),
                wrong_algorithm(alg),
            );
        }
    }
    // The header lies about the algorithm while the HMAC is right: still refused.
    for alg in ["RS256", "ES256", "HS512", "PS256"] {
        let h = changed(&header, json!({"alg": alg}));
        push(
            format!("header says {alg} over a valid HS256 signature"),
            hs256(&h, &good_claims, VENDOR_KEY),
            wrong_algorithm(alg),
        );
    }
    for (form, secret) in public_key_forms().into_iter().take(3) {
        push(
            format!("HS256 keyed with the IdP's {form}"),
            hmac(Alg::HS256, &header, &good_claims, &secret),
            Problem::BadSignature,
        );
    }
    for bad_kid in ["nope", "../../etc/passwd", "https://evil.example.com/k", ""] {
        let h = changed(&header, json!({"kid": bad_kid}));
        push(
            format!("kid {bad_kid:?}"),
            hs256(&h, &good_claims, VENDOR_KEY),
            Problem::KidMismatch {
                expected: expected_kid.clone(),
                found: Some(bad_kid.to_owned()),
            },
        );
    }
    let (signed_part, signature) = good.rsplit_once('.').unwrap();
    for (label, bad) in [
        ("empty (null) signature", String::new()),
        ("all-zero signature", b64([0u8; 32])),
        (
            "signature cut by one",
            signature[..signature.len() - 1].to_owned(),
        ),
        (
            "signature cut by four",
            signature[..signature.len() - 4].to_owned(),
        ),
        ("signature padded", format!("{signature}=")),
        (
            "signature of another token",
            part(
                &hs256(
                    &header,
                    &changed(&good_claims, json!({"exp": NOW + 9_999})),
                    VENDOR_KEY,
                ),
                2,
            ),
        ),
    ] {
        push(
            label.to_owned(),
            format!("{signed_part}.{bad}"),
            Problem::BadSignature,
        );
    }
    for claim in ["exp", "iat", "nbf"] {
        push(
            format!("{claim} as the string \"9999999999\""),
            hs256(
                &header,
                &changed(&good_claims, json!({ claim: "9999999999" })),
                VENDOR_KEY,
            ),
            Problem::NotSeconds(claim),
        );
    }
    let vendor = vendor(id);
    for claim in vendor.jwt_rules().unwrap().required_claims {
        push(
            format!("{claim} missing"),
            hs256(
                &header,
                &changed(&good_claims, json!({ claim.as_str(): null })),
                VENDOR_KEY,
            ),
            Problem::MissingClaim(claim.clone()),
        );
    }
    push(
        "iat a second in the future".into(),
        hs256(
            &header,
            &changed(&good_claims, json!({"iat": NOW + 1})),
            VENDOR_KEY,
        ),
        Problem::IssuedInFuture {
            iat: NOW + 1,
            ahead: 1,
        },
    );
    push(
        "nbf a minute in the future".into(),
        hs256(
            &header,
            &changed(&good_claims, json!({"nbf": NOW + 60})),
            VENDOR_KEY,
        ),
        Problem::NotYetValid {
            nbf: NOW + 60,
            ahead: 60,
        },
    );
    if id == "kustomer" {
        push(
            "issued longer ago than Kustomer allows".into(),
            hs256(
                &header,
                &changed(&good_claims, json!({"iat": NOW - 901})),
                VENDOR_KEY,
            ),
            Problem::TooOld {
                iat: NOW - 901,
                max_age: 900,
            },
        );
    } else {
        push(
            "expired a second ago".into(),
            hs256(
                &header,
                &changed(&good_claims, json!({"exp": NOW - 1})),
                VENDOR_KEY,
            ),
            Problem::Expired {
                at: NOW - 1,
                ago: 1,
            },
        );
    }
    let malformed = |why: &'static str| Problem::Malformed(why);
    let parts = "a JWT has three parts separated by dots";
    let objects = "the header or the claims are not base64url JSON objects";
    let [h, c] = [part(&good, 0), part(&good, 1)];
    let mid = c.len() / 2;
    for (label, token, why) in [
        ("empty", String::new(), parts),
        ("two parts", format!("{h}.{c}"), parts),
        ("four parts", format!("{good}.{signature}"), parts),
        (
            "one-dot leaders for dots",
            good.replace('.', "\u{2024}"),
            parts,
        ),
        (
            "a space inside the claims",
            format!("{h}.{} {}.{signature}", &c[..mid], &c[mid..]),
            objects,
        ),
        (
            "a non-ASCII letter in the header",
            format!("é{good}"),
            objects,
        ),
        ("header padded", format!("{h}=.{c}.{signature}"), objects),
        ("claims padded", format!("{h}.{c}==.{signature}"), objects),
        (
            "claims a JSON list",
            format!("{h}.{}.{signature}", b64("[]")),
            objects,
        ),
    ] {
        push(label.to_owned(), token, malformed(why));
    }
    // A token for another project (another key) or another vendor.
    push(
        "signed with another project's key".into(),
        hs256(&header, &good_claims, "the-neighbour-projects-vendor-key"),
        Problem::BadSignature,
    );
    let other_vendor = if id == "zendesk" {
        "jsm-chat"
    } else {
        "zendesk"
    };
    push(
        format!("a {other_vendor} token of another project"),
        hs256(
            &vendor_header(other_vendor),
            &vendor_claims(other_vendor),
            "the-neighbour-projects-vendor-key",
        ),
        Problem::BadSignature,
    );
    out
}

#[test]
fn explain_reports_every_attack_as_a_problem_and_never_accepts_it() {
    let key = VendorKey::new(VENDOR_KEY).unwrap();
    let mut count = 0;
    let mut failures = Vec::new();
    for id in ["jsm-chat", "zendesk", "kustomer"] {
        let vendor = vendor(id);
        let good = hs256(&vendor_header(id), &vendor_claims(id), VENDOR_KEY);
        let control = explain(&*vendor, &key, &good, NOW);
        assert!(control.accepted(), "{id}: {:?}", control.problems);
        for case in explain_cases(id) {
            count += 1;
            let e = explain(&*vendor, &key, &case.token, NOW);
            if e.accepted() || !e.problems.contains(&case.problem) {
                failures.push(format!(
                    "{id}: {}: expected {:?} among {:?}",
                    case.name, case.problem, e.problems
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("explain: {count} attacks reported, none accepted");
}

/// The suite's size, as SECURITY.md states it.
#[test]
fn the_suite_counts_its_cases() {
    let identity = cases(Kind::Identity).len() + identity_only_cases().len();
    let logout = cases(Kind::Logout).len();
    let explain: usize = ["jsm-chat", "zendesk", "kustomer"]
        .iter()
        .map(|id| explain_cases(id).len())
        .sum();
    println!("cases: identity {identity}, logout {logout}, explain {explain}");
    assert!(identity > 150 && logout > 150 && explain > 100);
}
