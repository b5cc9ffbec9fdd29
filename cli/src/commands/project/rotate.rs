//! `chatpass project rotate`: a fresh callback key or webhook secret added beside the old one
//! in the current version, printed once; `--finish` keeps only the newest. The old value stays
//! in the document (not just in AWSPREVIOUS) because AWSPREVIOUS moves on any later write. A
//! signing key chatpass generates (a key pair) is replaced instead: AWSCURRENT signs with the
//! new one at once, and the public keys' routes keep publishing the old one from AWSPREVIOUS until
//! `--finish` takes that stage off.

use super::check::{validate, warning_lines};
use super::mask::fingerprint_of;
use super::secrets::{PREVIOUS, ProjectSecrets, SecretsError};
use super::verifier_lists::{FIELDS, loaded, only_in, set, values};
use super::{current_and_previous, project_id, unable};
use crate::commands::keygen::{random_key, webhook_secret};
use crate::commands::{Failure, Report};
use crate::signing_keys::new_rsa_signing_key;
use chatpass_service::{ProjectConfig, ProjectId};
use chatpass_signing::vendors::{self, StarterKey};
use serde_json::{Map, Value};

/// How many times a rotation re-reads and re-applies itself after another write overtook it.
const ATTEMPTS: usize = 3;

/// Add a new callback key or webhook secret, keep the previous one accepted, and print the
/// new one once; with --finish, keep only the newest.
///
/// The new value goes first in the list, beside the old one, in a new AWSCURRENT version; hand
/// it to the vendor's server (callback-key) or the sender of logout webhooks (webhook-secret)
/// once the functions have it (their config cache's TTL, 300 s). When nothing uses the old
/// one any more, `--finish` removes it from the list and takes AWSPREVIOUS off the version
/// before, so no copy of it is accepted. A write another one overtook is re-read and applied
/// again, so neither is lost.
#[derive(clap::Args)]
pub struct Args {
    /// The project id
    #[arg(value_parser = project_id)]
    project: ProjectId,
    /// What to rotate
    #[arg(value_enum)]
    what: What,
    /// Drop the previous value(s): only the newest stays accepted
    #[arg(long)]
    finish: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum What {
    CallbackKey,
    WebhookSecret,
    /// The key chatpass signs with, for vendors whose key chatpass generates
    SigningKey,
}

/// One pass of read, change, write: what to write (if anything) and what to say.
struct Change {
    document: Option<Map<String, Value>>,
    /// After writing, take AWSPREVIOUS off this version (what `--finish` drops).
    drop_previous_from: Option<String>,
    text: String,
    /// The new value and who takes it, printed once, last, after the write succeeded.
    new_value: Option<String>,
}

pub async fn run(args: Args) -> Result<Report, Failure> {
    let secrets = ProjectSecrets::from_env().await;
    for _ in 1..ATTEMPTS {
        match rotate_once(&secrets, &args).await {
            Err(Attempt::Overtaken) => continue,
            outcome => return outcome.map_err(Attempt::into_failure),
        }
    }
    rotate_once(&secrets, &args)
        .await
        .map_err(Attempt::into_failure)
}

/// Why one pass did not finish: another write overtook it (try again), or a failure.
enum Attempt {
    Overtaken,
    Failed(Failure),
}

impl From<Failure> for Attempt {
    fn from(failure: Failure) -> Self {
        Attempt::Failed(failure)
    }
}

impl Attempt {
    fn into_failure(self) -> Failure {
        match self {
            Attempt::Overtaken => unable(SecretsError::Conflict),
            Attempt::Failed(failure) => failure,
        }
    }
}

/// Stands for the new version's id in a change's text until it is written.
const VERSION: &str = "{version}";

async fn rotate_once(secrets: &ProjectSecrets, args: &Args) -> Result<Report, Attempt> {
    let project = &args.project;
    let (current, previous) = current_and_previous(secrets, project).await?;
    let config = ProjectConfig::parse(project.as_str(), &current.document).map_err(|e| {
        Failure::Refused(format!(
            "the stored config does not load ({e}); fix it with `chatpass project put`"
        ))
    })?;
    let previous_doc = loaded(project, previous.as_ref());
    let Some(document) = loaded(project, Some(&current)) else {
        return Err(Failure::Refused("the stored config is not a JSON object".into()).into());
    };
    let field = match args.what {
        What::CallbackKey => "callback_keys",
        What::WebhookSecret => "webhook_secrets",
        What::SigningKey => "key",
    };

    let change = if args.what == What::SigningKey {
        let previous_id = previous.map(|p| p.id);
        signing_key(
            project,
            &config,
            &document,
            previous_doc.as_ref(),
            previous_id,
            args.finish,
        )?
    } else if args.finish {
        finish(
            project,
            field,
            &document,
            previous_doc.as_ref(),
            &current.id,
            previous.map(|p| p.id),
        )
    } else {
        start(project, args.what, field, &document, previous_doc.as_ref())?
    };
    let mut text = change.text;
    if let Some(new_document) = change.document {
        let new_document = Value::Object(new_document).to_string();
        let checked = validate(project.as_str(), &new_document).map_err(|e| {
            Failure::Refused(format!(
                "the rotated config would not load ({e}); nothing written"
            ))
        })?;
        let version = match secrets.replace(project, &current.id, &new_document).await {
            Err(SecretsError::Conflict) => return Err(Attempt::Overtaken),
            written => written.map_err(unable)?,
        };
        text = text.replace(VERSION, &version);
        text += &warning_lines(&checked.warnings);
    }
    if let Some(from) = &change.drop_previous_from {
        secrets
            .drop_stage(project, PREVIOUS, from)
            .await
            .map_err(|e| match e {
                SecretsError::Failed(why) => Failure::Unable(format!(
                    "{why}; the dropped values are still accepted through AWSPREVIOUS: run the same --finish again"
                )),
                SecretsError::Conflict => unable(e),
            })?;
    }
    if let Some(handover) = change.new_value {
        text += &handover;
    }
    Ok(Report::ok(text))
}

/// Adds a new value first in `field`. Refused while an earlier change of `field` is not
/// finished (two values, or AWSPREVIOUS holding one the current version lacks), so there is
/// never more than one old value to keep track of.
fn start(
    project: &ProjectId,
    what: What,
    field: &str,
    current: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) -> Result<Change, Failure> {
    let list = values(current, field);
    if list.len() > 1 || !only_in(previous, current, field).is_empty() {
        return Err(Failure::Refused(format!(
            "a change of `{field}` is under way (more than one value is accepted); finish it first: chatpass project rotate {project} {} --finish",
            what.name()
        )));
    }
    let (value, receiver) = match what {
        What::CallbackKey => (random_key()?, "the vendor's server (Authorization: Bearer)"),
        _ => (webhook_secret()?, "the sender of logout webhooks"),
    };
    let mut document = keep_other_previous(field, current, previous);
    set(
        &mut document,
        field,
        [vec![value.clone()], list.clone()].concat(),
    );
    let still = match list.first() {
        Some(old) => format!(
            "the previous value ({}) stays accepted until `chatpass project rotate {project} {} --finish`",
            fingerprint_of(old),
            what.name()
        ),
        None => "it is the first".into(),
    };
    Ok(Change {
        document: Some(document),
        drop_previous_from: None,
        text: format!(
            "{project}: new {field} value {} added in version {VERSION} (AWSCURRENT); {still}.\n",
            fingerprint_of(&value)
        ),
        new_value: Some(format!(
            "The functions accept it within their config cache's TTL (300 s); then give it to {receiver}. It is not shown again:\n{value}\n"
        )),
    })
}

/// Keeps only the newest value of `field`, and takes AWSPREVIOUS off the version before so
/// its copy of the old values stops being accepted.
fn finish(
    project: &ProjectId,
    field: &str,
    current: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
    current_id: &str,
    previous_id: Option<String>,
) -> Change {
    let list = values(current, field);
    let mut dropped: Vec<String> = list.iter().skip(1).cloned().collect();
    dropped.extend(only_in(previous, current, field));
    let mut document = keep_other_previous(field, current, previous);
    set(&mut document, field, list.into_iter().take(1).collect());
    if dropped.is_empty() {
        return Change {
            document: None,
            drop_previous_from: None,
            text: format!(
                "{project}: nothing to finish: one {field} value, and AWSPREVIOUS accepts no other\n"
            ),
            new_value: None,
        };
    }
    let names: Vec<String> = dropped.iter().map(|v| fingerprint_of(v)).collect();
    let text = |version: &str| {
        format!(
            "{project}: {field} down to the newest value{version}; no longer accepted: {}\n",
            names.join(", ")
        )
    };
    // Written, the version read becomes AWSPREVIOUS and holds the dropped values; unwritten,
    // only AWSPREVIOUS holds them.
    if &document != current {
        Change {
            document: Some(document),
            drop_previous_from: Some(current_id.to_owned()),
            text: text(&format!(" (version {VERSION})")),
            new_value: None,
        }
    } else {
        Change {
            document: None,
            drop_previous_from: previous_id,
            text: text(""),
            new_value: None,
        }
    }
}

/// `current` with the other list's values that only AWSPREVIOUS held added back, so that
/// rotating one list never narrows the other when AWSPREVIOUS moves.
fn keep_other_previous(
    field: &str,
    current: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut document = current.clone();
    for other in FIELDS.into_iter().filter(|f| *f != field) {
        let extra = only_in(previous, current, other);
        if !extra.is_empty() {
            set(
                &mut document,
                other,
                [values(current, other), extra].concat(),
            );
        }
    }
    document
}

/// A new key pair in place of the project's (its old key stays published from AWSPREVIOUS),
/// or, with `finish`, AWSPREVIOUS taken off the version holding the old key. Only for vendors
/// whose key chatpass generates; refused while AWSPREVIOUS holds callback keys or webhook
/// secrets the current version lacks (finish those first: they would go with it).
fn signing_key(
    project: &ProjectId,
    config: &ProjectConfig,
    current: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
    previous_id: Option<String>,
    finish: bool,
) -> Result<Change, Failure> {
    let vendor = config.vendor.id();
    let generated =
        vendors::spec(vendor).is_some_and(|spec| spec.starter.key == StarterKey::RsaKeyPair);
    if !generated {
        return Err(vendor_issued_key(project, vendor));
    }
    let kid_of = |document: &Map<String, Value>| {
        document
            .get("key_id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let old = kid_of(current);
    let unfinished = previous.filter(|previous| previous.get("key") != current.get("key"));
    if let Some(previous) = previous
        && let Some(field) = FIELDS
            .into_iter()
            .find(|f| !only_in(Some(previous), current, f).is_empty())
    {
        return Err(Failure::Refused(format!(
            "AWSPREVIOUS still holds `{field}` values the current version lacks; finish that rotation first"
        )));
    }
    if finish {
        let Some(published) = unfinished else {
            return Ok(Change {
                document: None,
                drop_previous_from: None,
                text: format!(
                    "{project}: nothing to finish: the public keys' routes publish only the current key ({old})\n"
                ),
                new_value: None,
            });
        };
        return Ok(Change {
            document: None,
            drop_previous_from: previous_id,
            text: format!(
                "{project}: the public keys' routes no longer publish the previous key ({}); they publish {old} alone\n",
                kid_of(published)
            ),
            new_value: None,
        });
    }
    if let Some(published) = unfinished {
        return Err(Failure::Refused(format!(
            "a change of the signing key is under way ({} is still published); finish it first: chatpass project rotate {project} signing-key --finish",
            kid_of(published)
        )));
    }
    let algorithm = config
        .vendor
        .jwt_rules()
        .map_or(jsonwebtoken::Algorithm::RS256, |rules| rules.algorithm);
    let now = crate::times::now_or_system(None);
    let key = new_rsa_signing_key(algorithm, now).map_err(Failure::Unable)?;
    let mut document = current.clone();
    document.insert("key".into(), Value::from(key.pem.as_str()));
    document.insert("key_id".into(), Value::from(key.kid.clone()));
    let certificate = serde_json::to_string_pretty(&key.certificate_jwk)
        .map_err(|e| Failure::Unable(e.to_string()))?;
    Ok(Change {
        document: Some(document),
        drop_previous_from: None,
        text: format!(
            "{project}: new signing key {} in version {VERSION} (AWSCURRENT signs with it once the functions' config cache has it, 300 s); jwks.json, public-key.pem and public-keys.json keep publishing the previous key ({old}) until `chatpass project rotate {project} signing-key --finish`.\n",
            key.kid
        ),
        new_value: Some(format!(
            "A vendor that fetches the keys (jwks.json, public-key.pem, public-keys.json) needs nothing more. For a keyset uploaded by hand, upload this public JWK (a self-signed certificate in x5c); the private key is only in the secret:\n{certificate}\n"
        )),
    })
}

/// The one-line answer for `signing-key` for a vendor that issues the key itself (HMAC
/// secrets, private-app tokens): it is changed at the vendor.
fn vendor_issued_key(project: &ProjectId, vendor: &str) -> Failure {
    Failure::Refused(format!(
        "{vendor} signs with a key the vendor issues, not one chatpass generates: make a new one in {vendor}'s console, set it as `key` and run `chatpass project put {project} FILE`"
    ))
}

impl What {
    fn name(self) -> &'static str {
        match self {
            What::CallbackKey => "callback-key",
            What::WebhookSecret => "webhook-secret",
            What::SigningKey => "signing-key",
        }
    }
}
