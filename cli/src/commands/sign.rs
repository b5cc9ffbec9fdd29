//! `chatpass sign`: what the token / user-hash endpoint would answer for a user, offline
//! (except for vendors that mint their own tokens, whose server is asked, as the API does).
//! Applies the vendor profile only; request policies (email domains, logouts) stay in the API.

use super::{Failure, Report, inline_or_file, load_project, random_bytes};
use crate::times::now_or_system;
use chatpass_service::ServiceError;
use chatpass_service::store::{KeptFor, MemorySessionStore, SessionStore};
use chatpass_service::vendor_api::{HttpVendorApi, VendorTokens};
use chatpass_signing::minted::MintedByVendor;
use chatpass_signing::{SessionUse, Signed, User};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

/// Print the widget settings a vendor expects for a user (the API's JSON body).
///
/// Sprinklr's custom-user and cookie modes get a fresh random session reference, printed as
/// `session`; it is not stored anywhere, so no callback will know it. For HubSpot, its API is
/// asked for a token with the project's private-app token; for LiveChat, for the user's customer
/// token (`--kept` names a known customer, as the state table does for the API). A value the
/// widget makes in the browser (Freshchat's `freshchat_uuid`) is given as `--page-input
/// NAME=VALUE`.
///
/// On error, prints a problem document (RFC 9457) on stderr and exits 1.
#[derive(clap::Args)]
pub struct Args {
    /// One project's config (JSON); the file name without extension is the project id
    #[arg(long, value_name = "FILE")]
    project_file: PathBuf,
    /// The user as JSON, inline or as @path (e.g. '{"id":"u-1","email":"a@example.com"}')
    #[arg(long, value_name = "JSON")]
    user: String,
    /// Sign as of this time (unix seconds) instead of now
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// The value the vendor's widget made in the browser, as the page would send it
    /// (e.g. freshchat_uuid=2d1b3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d)
    #[arg(long, value_name = "NAME=VALUE")]
    page_input: Option<String>,
    /// What the API keeps for this user from the vendor's earlier answer (LiveChat's
    /// entity_id), so the call names the same customer
    #[arg(long, value_name = "VALUE")]
    kept: Option<String>,
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let project = load_project(&args.project_file).map_err(|detail| {
        problem(
            400,
            "Invalid project config",
            "invalid_project_config",
            &detail,
        )
    })?;
    let user: User = inline_or_file(&args.user)
        .and_then(|text| serde_json::from_str(&text).map_err(|e| format!("not a valid user: {e}")))
        .map_err(|detail| problem(400, "Invalid user", "bad_user", &detail))?;
    let now = now_or_system(args.now);

    let vendor = &project.config.vendor;
    let session = match vendor.session() {
        SessionUse::None => None,
        SessionUse::Reference | SessionUse::Cookie => {
            Some(random_bytes::<16>().map(hex::encode).map_err(|detail| {
                problem(500, "Random source failed", "signing_failed", &detail)
            })?)
        }
    };
    let input = match (&args.page_input, vendor.page_input()) {
        (None, _) => None,
        (Some(given), Some(spec)) if given.split_once('=').is_some_and(|(n, _)| n == spec.name) => {
            let (_, value) = given.split_once('=').unwrap_or_default();
            Some(
                spec.parse(value)
                    .map_err(|e| problem(422, "Invalid page input", e.code(), &e.to_string()))?,
            )
        }
        (Some(_), _) => {
            return Err(problem(
                400,
                "Invalid page input",
                "bad_field",
                "this vendor takes no page input of that name",
            ));
        }
    };
    if args.kept.is_some() && vendor.minted().is_none() {
        return Err(problem(
            400,
            "Invalid kept value",
            "bad_field",
            "--kept: this vendor signs here and keeps nothing for its users",
        ));
    }
    let signed = match vendor.minted() {
        Some(minted) => {
            let project = &project.config.project;
            let whose = KeptFor {
                project,
                vendor: vendor.id(),
                user_id: &user.id,
            };
            ask_the_vendor(whose, minted, &user, args.kept.as_deref(), now)?
        }
        None => vendor
            .sign_with_page_input(&user, now, session.as_deref(), input.as_ref())
            .map_err(|e| {
                problem(
                    422,
                    "The vendor profile cannot sign for this user",
                    e.code(),
                    &e.to_string(),
                )
            })?,
    };

    let mut body = serde_json::to_value(&signed)
        .map_err(|e| problem(500, "Output failed", "signing_failed", &e.to_string()))?;
    if let (Some(session), Value::Object(fields)) = (session, &mut body) {
        fields.insert("session".into(), Value::String(session));
    }
    Ok(Report::ok(format!("{body:#}\n")))
}

/// The settings of a vendor that mints its own tokens, from its API (the same bounded call the
/// token route makes), with `kept` as the state table would hold it for the user.
fn ask_the_vendor(
    whose: KeptFor<'_>,
    minted: &dyn MintedByVendor,
    user: &User,
    kept: Option<&str>,
    now: u64,
) -> Result<Signed, Failure> {
    let api = HttpVendorApi::from_env().map_err(Failure::Unable)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Unable(e.to_string()))?;
    let tokens = VendorTokens::new(Arc::new(api));
    let store = MemorySessionStore::new();
    let minted_now = async {
        if let Some(kept) = kept {
            store.keep(whose, kept, now).await?;
        }
        tokens
            .mint(&store, whose.project, whose.vendor, minted, user, now)
            .await
    };
    runtime.block_on(minted_now).map_err(|e: ServiceError| {
        let status = e.status();
        problem(
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error"),
            e.code(),
            &e.to_string(),
        )
    })
}

fn problem(status: u16, title: &str, code: &str, detail: &str) -> Failure {
    Failure::Problem(json!({
        "type": "about:blank",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
    }))
}
