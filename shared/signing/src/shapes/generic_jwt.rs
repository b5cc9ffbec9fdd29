//! The generic JWT engine behind the `jwt` vendor and every preset over it: options checked
//! at load (each refusal naming its field), then (user, now) → claims → token → `settings`.
//! Identity values only ever come from the verified user; a page-supplied value only ever
//! goes in the one claim its vendor declares.

use super::claim_path::{ClaimPath, distinct};
use super::identity_claims::IdentityClaims;
use crate::jwt::{Hs256, Jws, PrivateJws};
use crate::keys::SecretEncoding;
use crate::page_input::{PageInput, PageInputForm, PageInputSpec};
use crate::private_key::PrivateKey;
use crate::random::fresh_id;
use crate::user::Field;
use crate::vendors::{Built, JwtRules, Vendor, VendorConfig, VendorSpec, ttl_within};
use crate::{SignError, Signed, User, VendorConfigError};
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The generic `jwt` vendor's options (each described in vendors/jwt.rs).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Options {
    algorithm: SigningAlgorithm,
    #[serde(default)]
    secret_encoding: SecretEncoding,
    claims: Map<String, Value>,
    #[serde(default)]
    json_claims: Map<String, Value>,
    #[serde(default)]
    constants: Map<String, Value>,
    #[serde(default)]
    random_claims: Vec<String>,
    #[serde(default)]
    session_claims: Vec<String>,
    #[serde(default)]
    key_id_claims: Vec<String>,
    #[serde(default = "yes")]
    iat: bool,
    #[serde(default = "yes")]
    exp: bool,
    #[serde(default)]
    nbf: bool,
    #[serde(default)]
    max_lifetime: Option<u64>,
    #[serde(default)]
    header: HeaderOptions,
    #[serde(default)]
    string_only: Vec<String>,
    #[serde(default)]
    max_token_bytes: Option<usize>,
    settings_key: String,
    #[serde(default)]
    settings: Map<String, Value>,
    #[serde(default)]
    settings_constants: Map<String, Value>,
    #[serde(default)]
    page_input: Option<PageInputOptions>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Clone, Copy)]
enum SigningAlgorithm {
    HS256,
    RS256,
    ES256,
}

/// The token's header; each member left out takes its default below.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct HeaderOptions {
    /// `kid` from `key_id`: always (then `key_id` is required), never, or when set (default).
    kid: Option<bool>,
    typ: bool,
}

impl Default for HeaderOptions {
    fn default() -> Self {
        HeaderOptions {
            kid: None,
            typ: true,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageInputOptions {
    name: String,
    form: PageInputForm,
    claim: String,
    #[serde(default = "yes")]
    required: bool,
}

/// One claim whose value is the JSON text of an object of mapped fields (`lwicontexts`).
struct JsonClaim {
    path: ClaimPath,
    fields: Vec<(String, Field)>,
}

/// A profile of the generic engine, for the `jwt` vendor or a preset's `spec`.
pub(crate) struct GenericJwt {
    spec: &'static VendorSpec,
    jws: Jws,
    claims: IdentityClaims,
    json_claims: Vec<JsonClaim>,
    constants: Vec<(ClaimPath, Value)>,
    random_claims: Vec<ClaimPath>,
    /// Claims naming the sign-in session: the reference the service passes, else fresh.
    session_claims: Vec<ClaimPath>,
    key_id_claims: Vec<(ClaimPath, String)>,
    iat: bool,
    nbf: bool,
    /// The token's lifetime when it carries `exp`.
    lifetime: Option<u64>,
    max_lifetime: Option<u64>,
    string_only: Vec<ClaimPath>,
    max_token_bytes: Option<usize>,
    settings_key: ClaimPath,
    settings: Vec<(ClaimPath, Field)>,
    settings_constants: Vec<(ClaimPath, Value)>,
    page_input: Option<(PageInputSpec, ClaimPath)>,
    kid: Option<String>,
    secret_encoding: SecretEncoding,
}

fn paths(
    at: &str,
    names: impl IntoIterator<Item = String>,
) -> Result<Vec<ClaimPath>, VendorConfigError> {
    names
        .into_iter()
        .map(|name| ClaimPath::parse(&format!("{at}.{name}"), &name))
        .collect()
}

fn text_field(at: &str, value: &Value) -> Result<Field, VendorConfigError> {
    value
        .as_str()
        .and_then(Field::text_from_name)
        .ok_or_else(|| {
            let text: Vec<&str> = Field::ALL
                .iter()
                .filter(|field| field.is_text())
                .map(|field| field.name())
                .collect();
            VendorConfigError::bad(
                at,
                format!(
                    "expected a user field with a text value ({})",
                    text.join(", ")
                ),
            )
        })
}

/// Builds the engine from `options` for the vendor `spec` (the `jwt` vendor or a preset).
pub(crate) fn build(config: &VendorConfig, spec: &'static VendorSpec, options: Options) -> Built {
    if options.settings_key.is_empty() {
        return Err(VendorConfigError::bad("options.settings_key", "is empty"));
    }
    let mut own: Vec<&str> = Vec::new();
    own.extend(options.iat.then_some("iat"));
    own.extend(options.exp.then_some("exp"));
    own.extend(options.nbf.then_some("nbf"));
    if let Some(input) = &options.page_input
        && options.claims.contains_key(&input.name)
    {
        return Err(VendorConfigError::bad(
            format!("options.claims.{}", input.name),
            "a value the page supplies is never an identity field",
        ));
    }
    let claims = IdentityClaims::parse("options.claims", &options.claims, &own)?;
    if claims.claim_of(Field::Id).is_none() {
        return Err(VendorConfigError::bad(
            "options.claims.id",
            "required: the claim that names the user",
        ));
    }
    // Every claim chatpass writes, by kind, checked against the others below.
    let mut taken: Vec<(ClaimPath, &str)> = claims
        .paths()
        .map(|p| (p.clone(), "an identity claim"))
        .collect();
    for name in &own {
        taken.push((ClaimPath::parse("options", name)?, "a time claim"));
    }
    // A claim the options name (`name`, written at `at`), refused where it overlaps one taken.
    let mut claim_in = |at: String, name: &str, kind: &'static str| {
        let path = ClaimPath::parse(&at, name)?;
        if let Some((_, other)) = taken.iter().find(|(t, _)| t.overlaps(&path)) {
            return Err(VendorConfigError::bad(at, format!("shadows {other}")));
        }
        taken.push((path.clone(), kind));
        Ok(path)
    };

    let mut constants = Vec::new();
    for (name, value) in options.constants {
        let at = format!("options.constants.{name}");
        constants.push((claim_in(at, &name, "a constant claim")?, value));
    }
    let mut json_claims = Vec::new();
    for (name, fields) in &options.json_claims {
        let at = format!("options.json_claims.{name}");
        let path = claim_in(at.clone(), name, "a JSON-text claim")?;
        let fields = fields
            .as_object()
            .ok_or_else(|| VendorConfigError::bad(&at, "expected an object of key → user field"))?
            .iter()
            .map(|(key, field)| Ok((key.clone(), text_field(&format!("{at}.{key}"), field)?)))
            .collect::<Result<Vec<_>, VendorConfigError>>()?;
        json_claims.push(JsonClaim { path, fields });
    }
    // The claims of a list option (`random_claims`, `session_claims`), in its order.
    let mut listed = |member: &str, names: &[String], kind| {
        names
            .iter()
            .map(|name| claim_in(format!("options.{member}.{name}"), name, kind))
            .collect::<Result<Vec<_>, VendorConfigError>>()
    };
    let random_claims = listed("random_claims", &options.random_claims, "a random claim")?;
    let session_claims = listed("session_claims", &options.session_claims, "a session claim")?;
    let key_id = config.key_id.as_deref().filter(|k| !k.is_empty());
    let mut key_id_claims = Vec::new();
    for name in options.key_id_claims {
        let at = format!("options.key_id_claims.{name}");
        let path = claim_in(at, &name, "the key id claim")?;
        key_id_claims.push((
            path,
            key_id.ok_or(VendorConfigError::MissingKeyId)?.to_owned(),
        ));
    }
    let page_input = match options.page_input {
        None => None,
        Some(input) => {
            let at = "options.page_input.claim".to_owned();
            if input.name.is_empty() {
                return Err(VendorConfigError::bad(
                    "options.page_input.name",
                    "is empty",
                ));
            }
            if ["sub", "iss", "aud"].contains(&input.claim.as_str()) {
                return Err(VendorConfigError::bad(
                    at,
                    "a value the page supplies never names the user or the issuer",
                ));
            }
            let path = claim_in(at, &input.claim, "the page-supplied claim")?;
            let spec = PageInputSpec {
                name: input.name,
                form: input.form,
                required: input.required,
            };
            Some((spec, path))
        }
    };

    let string_only = paths("options.string_only", options.string_only)?;
    for prefix in &string_only {
        if let Some((field, _)) = claims.non_text().find(|(_, p)| p.is_within(prefix)) {
            return Err(VendorConfigError::bad(
                format!("options.claims.{field}"),
                format!("`{}` takes strings only", prefix.as_str()),
            ));
        }
        if let Some((path, _)) = constants
            .iter()
            .find(|(p, v)| p.is_within(prefix) && !v.is_string())
        {
            return Err(VendorConfigError::bad(
                format!("options.constants.{}", path.as_str()),
                format!("`{}` takes strings only", prefix.as_str()),
            ));
        }
    }

    let lifetime = match (options.exp, options.max_lifetime) {
        (true, max) => Some(ttl_within(config, max)?),
        (false, Some(_)) => {
            return Err(VendorConfigError::bad(
                "options.max_lifetime",
                "the token has no exp (options.exp is false)",
            ));
        }
        (false, None) if config.token_ttl_seconds.is_some() => {
            return Err(VendorConfigError::bad(
                "token_ttl_seconds",
                "the token has no exp (options.exp is false)",
            ));
        }
        (false, None) => None,
    };
    if options.max_token_bytes == Some(0) {
        return Err(VendorConfigError::bad(
            "options.max_token_bytes",
            "must be at least 1",
        ));
    }

    let mut settings = Vec::new();
    for (name, field) in &options.settings {
        let at = format!("options.settings.{name}");
        let path = ClaimPath::parse(&at, name)?;
        if let Some((spec, _)) = &page_input
            && field.as_str() == Some(spec.name.as_str())
        {
            return Err(VendorConfigError::bad(
                at,
                "a value the page supplies is never an identity field",
            ));
        }
        settings.push((path, text_field(&at, field)?));
    }
    let mut settings_constants = Vec::new();
    for (name, value) in options.settings_constants {
        let at = format!("options.settings_constants.{name}");
        settings_constants.push((ClaimPath::parse(&at, &name)?, value));
    }
    let settings_key = ClaimPath::parse("options.settings_key", &options.settings_key)?;
    let mut written: Vec<ClaimPath> = vec![settings_key.clone()];
    written.extend(settings.iter().map(|(p, _)| p.clone()));
    written.extend(settings_constants.iter().map(|(p, _)| p.clone()));
    distinct("options.settings", &written)?;

    let kid = match options.header.kid {
        Some(true) => Some(key_id.ok_or(VendorConfigError::MissingKeyId)?),
        Some(false) => None,
        None => key_id,
    };
    let jws = match options.algorithm {
        SigningAlgorithm::HS256 => {
            let secret = options.secret_encoding.decode(&config.key).map_err(|e| {
                VendorConfigError::bad("key", format!("{e} (options.secret_encoding)"))
            })?;
            Jws::Hs256(Hs256::with_header(
                secret.as_bytes(),
                kid,
                options.header.typ,
            ))
        }
        SigningAlgorithm::RS256 | SigningAlgorithm::ES256 => {
            if options.secret_encoding != SecretEncoding::Raw {
                return Err(VendorConfigError::bad(
                    "options.secret_encoding",
                    "only for HS256: a private key is a PEM",
                ));
            }
            let algorithm = match options.algorithm {
                SigningAlgorithm::ES256 => Algorithm::ES256,
                _ => Algorithm::RS256,
            };
            // Without a key_id, the published JWK is named by its thumbprint.
            let key = PrivateKey::from_pem(config.key.as_str(), algorithm, key_id)
                .map_err(|e| VendorConfigError::bad("key", e.to_string()))?;
            Jws::Private(PrivateJws::new(key, kid, options.header.typ))
        }
    };
    Ok(Box::new(GenericJwt {
        spec,
        jws,
        claims,
        json_claims,
        constants,
        random_claims,
        session_claims,
        key_id_claims,
        iat: options.iat,
        nbf: options.nbf,
        lifetime,
        max_lifetime: options.max_lifetime,
        string_only,
        max_token_bytes: options.max_token_bytes,
        settings_key,
        settings,
        settings_constants,
        page_input,
        kid: kid.map(str::to_owned),
        secret_encoding: options.secret_encoding,
    }))
}

impl GenericJwt {
    fn claims_for(
        &self,
        user: &User,
        now: u64,
        session: Option<&str>,
        input: Option<&PageInput>,
    ) -> Result<Map<String, Value>, SignError> {
        user.require(Field::Id)?;
        let mut claims = Map::new();
        self.claims.fill(user, &mut claims);
        for (path, value) in &self.constants {
            path.insert(&mut claims, value.clone());
        }
        for json_claim in &self.json_claims {
            let object: Map<String, Value> = json_claim
                .fields
                .iter()
                .filter_map(|(key, field)| Some((key.clone(), Value::from(user.get(*field)?))))
                .collect();
            if !object.is_empty() {
                json_claim
                    .path
                    .insert(&mut claims, Value::Object(object).to_string().into());
            }
        }
        for (path, key_id) in &self.key_id_claims {
            path.insert(&mut claims, key_id.clone().into());
        }
        for path in &self.random_claims {
            path.insert(&mut claims, fresh_id()?.into());
        }
        for path in &self.session_claims {
            let id = match session {
                Some(reference) => reference.to_owned(),
                None => fresh_id()?,
            };
            path.insert(&mut claims, id.into());
        }
        if let Some((spec, path)) = &self.page_input {
            match input {
                Some(value) => {
                    path.insert(&mut claims, value.as_str().into());
                }
                None if spec.required => {
                    return Err(SignError::BadField {
                        field: spec.name.clone(),
                        reason: "missing: the page sends it with the request (the vendor's page-side call)",
                    });
                }
                None => {}
            }
        }
        if self.iat {
            claims.insert("iat".into(), now.into());
        }
        if self.nbf {
            claims.insert("nbf".into(), now.into());
        }
        if let Some(lifetime) = self.lifetime {
            claims.insert("exp".into(), now.saturating_add(lifetime).into());
        }
        Ok(claims)
    }
}

impl Vendor for GenericJwt {
    fn spec(&self) -> &'static VendorSpec {
        self.spec
    }

    /// A widget handed the email may identify the user by it: an unverified one is refused.
    fn identifies_by_email(&self) -> bool {
        self.claims.carries_email()
            || self
                .json_claims
                .iter()
                .any(|c| c.fields.iter().any(|(_, f)| *f == Field::Email))
            || self.settings.iter().any(|(_, f)| *f == Field::Email)
    }

    fn sign(&self, user: &User, now: u64, session: Option<&str>) -> Result<Signed, SignError> {
        self.sign_with_page_input(user, now, session, None)
    }

    fn page_input(&self) -> Option<&PageInputSpec> {
        self.page_input.as_ref().map(|(spec, _)| spec)
    }

    fn sign_with_page_input(
        &self,
        user: &User,
        now: u64,
        session: Option<&str>,
        input: Option<&PageInput>,
    ) -> Result<Signed, SignError> {
        let token = self
            .jws
            .sign(&self.claims_for(user, now, session, input)?)?;
        if let Some(max) = self.max_token_bytes
            && token.len() > max
        {
            return Err(SignError::FieldTooLong {
                field: "token",
                max,
            });
        }
        let mut settings = Map::new();
        // Paths were checked distinct at load, so each lands.
        self.settings_key.insert(&mut settings, token.into());
        for (path, field) in &self.settings {
            path.insert(&mut settings, user.require(*field)?.into());
        }
        for (path, value) in &self.settings_constants {
            path.insert(&mut settings, value.clone());
        }
        Ok(Signed {
            vendor: self.spec.id,
            settings: Value::Object(settings),
            expires_at: self.lifetime.map(|lifetime| now.saturating_add(lifetime)),
        })
    }

    fn jwt_rules(&self) -> Option<JwtRules> {
        let id = self.claims.claim_of(Field::Id).unwrap_or("sub");
        let mut required: Vec<String> = vec![id.to_owned()];
        required.extend(self.iat.then(|| "iat".to_owned()));
        required.extend(self.nbf.then(|| "nbf".to_owned()));
        required.extend(self.lifetime.map(|_| "exp".to_owned()));
        required.extend(self.constants.iter().map(|(p, _)| p.as_str().to_owned()));
        required.extend(self.random_claims.iter().map(|p| p.as_str().to_owned()));
        required.extend(self.session_claims.iter().map(|p| p.as_str().to_owned()));
        required.extend(
            self.key_id_claims
                .iter()
                .map(|(p, _)| p.as_str().to_owned()),
        );
        let mut optional: Vec<String> = self
            .claims
            .names()
            .filter(|c| *c != id)
            .map(str::to_owned)
            .collect();
        optional.extend(self.json_claims.iter().map(|c| c.path.as_str().to_owned()));
        if let Some((spec, path)) = &self.page_input {
            let list = if spec.required {
                &mut required
            } else {
                &mut optional
            };
            list.push(path.as_str().to_owned());
        }
        Some(JwtRules {
            algorithm: self.jws.algorithm(),
            kid: self.kid.clone(),
            required_claims: required,
            optional_claims: optional,
            max_age_from_iat: None,
            max_lifetime: self.max_lifetime,
            max_token_bytes: self.max_token_bytes,
            string_only: self
                .string_only
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            secret_encoding: self.secret_encoding,
            fresh_claims: self
                .random_claims
                .iter()
                .chain(&self.session_claims)
                .map(|p| p.as_str().to_owned())
                .collect(),
        })
    }

    fn public_jwk(&self) -> Option<&Map<String, Value>> {
        self.jws.public_jwk()
    }
}
