//! A named vendor declared as a preset over a generic vendor (`jwt` or `hmac`): the generic
//! options it always uses (a JSON template) and the few options the brand gives, each placed
//! into the template. The brand can set nothing else, so the vendor's rules hold.

use crate::VendorConfigError;
use crate::vendors::{Built, VendorConfig, VendorSpec, options_in};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A generic vendor's `build` from its typed options.
type Build<O> = fn(&VendorConfig, &'static VendorSpec, O) -> Built;

/// A preset: the template and the brand's options.
#[derive(Clone, Copy)]
pub(crate) struct Preset {
    /// The generic vendor's `options`, as JSON.
    pub template: &'static str,
    pub options: &'static [BrandOption],
}

/// One option the brand gives (`options.<name>`), copied into the template at each of
/// `into`: (a template member, a key inside it); an empty key replaces the member itself.
#[derive(Clone, Copy)]
pub(crate) struct BrandOption {
    pub name: &'static str,
    pub kind: OptionKind,
    pub required: bool,
    pub into: Targets,
}

impl BrandOption {
    /// A non-empty string the brand must give (an issuer, a widget id).
    pub(crate) const fn text(name: &'static str, into: Targets) -> BrandOption {
        BrandOption {
            name,
            kind: OptionKind::Text,
            required: true,
            into,
        }
    }

    /// An object the brand may give (attributes, context variables).
    pub(crate) const fn object(name: &'static str, into: Targets) -> BrandOption {
        BrandOption {
            kind: OptionKind::Object,
            required: false,
            ..BrandOption::text(name, into)
        }
    }

    /// A flag the brand may give.
    pub(crate) const fn flag(name: &'static str, into: Targets) -> BrandOption {
        BrandOption {
            kind: OptionKind::Flag,
            ..BrandOption::object(name, into)
        }
    }
}

/// Where a brand option goes: (a template member, a key inside it) pairs.
type Targets = &'static [(&'static str, &'static str)];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionKind {
    /// A non-empty string.
    Text,
    /// An object (its members are checked by the generic vendor, which names them).
    Object,
    /// `true` or `false`.
    Flag,
}

impl Preset {
    /// The generic options for this project: the template with the brand's options placed.
    /// Unknown brand options are refused, naming them; so is a missing required one.
    pub(crate) fn options(&self, config: &VendorConfig) -> Result<Value, VendorConfigError> {
        let mut options: Map<String, Value> = match serde_json::from_str(self.template) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(VendorConfigError::bad(
                    "vendor",
                    "its preset does not parse (a chatpass bug)",
                ));
            }
        };
        if let Some(unknown) = config
            .options
            .keys()
            .find(|name| !self.options.iter().any(|o| o.name == *name))
        {
            return Err(VendorConfigError::bad(
                format!("options.{unknown}"),
                "not an option of this vendor",
            ));
        }
        for option in self.options {
            let at = format!("options.{}", option.name);
            let Some(value) = config.options.get(option.name) else {
                if option.required {
                    return Err(VendorConfigError::bad(at, "required"));
                }
                continue;
            };
            let fits = match option.kind {
                OptionKind::Text => value.as_str().is_some_and(|s| !s.is_empty()),
                OptionKind::Object => value.is_object(),
                OptionKind::Flag => value.is_boolean(),
            };
            if !fits {
                let expected = match option.kind {
                    OptionKind::Text => "expected a non-empty string",
                    OptionKind::Object => "expected an object",
                    OptionKind::Flag => "expected true or false",
                };
                return Err(VendorConfigError::bad(at, expected));
            }
            for (member, key) in option.into {
                if key.is_empty() {
                    options.insert((*member).to_owned(), value.clone());
                    continue;
                }
                match options
                    .entry((*member).to_owned())
                    .or_insert_with(|| Value::Object(Map::new()))
                {
                    Value::Object(map) => {
                        map.insert((*key).to_owned(), value.clone());
                    }
                    _ => {
                        return Err(VendorConfigError::bad(
                            "vendor",
                            "its preset does not parse (a chatpass bug)",
                        ));
                    }
                }
            }
        }
        Ok(Value::Object(options))
    }

    /// The vendor `spec` for this project, built by the generic vendor's `build` from
    /// [`Preset::options`]; a refusal names the brand's option, not the generic one.
    pub(crate) fn build<O: DeserializeOwned>(
        &self,
        config: &VendorConfig,
        spec: &'static VendorSpec,
        build: Build<O>,
    ) -> Built {
        let options = options_in(self.options(config)?).map_err(|e| self.rename(e))?;
        build(config, spec, options).map_err(|e| self.rename(e))
    }

    /// The brand's name for a generic field an error names (`options.json_claims.lwicontexts.x`
    /// → `options.context.x`), so a refusal names what the brand wrote.
    fn rename(&self, error: VendorConfigError) -> VendorConfigError {
        let field = error.field().to_owned();
        for option in self.options {
            for (member, key) in option.into {
                let generic = match key.is_empty() {
                    true => format!("options.{member}"),
                    false => format!("options.{member}.{key}"),
                };
                if let Some(rest) = field.strip_prefix(&generic)
                    && (rest.is_empty() || rest.starts_with('.'))
                {
                    return VendorConfigError::bad(
                        format!("options.{}{rest}", option.name),
                        error.reason(),
                    );
                }
            }
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use crate::VendorConfig;
    use crate::vendors::build;
    use serde_json::json;

    fn refusal(project: serde_json::Value) -> String {
        let config: VendorConfig = serde_json::from_value(project).unwrap();
        build(&config).err().expect("refused").field().to_owned()
    }

    #[test]
    fn a_preset_takes_only_its_own_options_and_names_them_as_the_brand_wrote_them() {
        let key = "c2VjdXJpdHkta2V5LWZyb20tYW1hem9uLWNvbm5lY3Q=";
        assert_eq!(
            refusal(json!({"vendor": "amazon-connect", "key": key})),
            "options.widget_id"
        );
        assert_eq!(
            refusal(
                json!({"vendor": "amazon-connect", "key": key, "options": {"widget_id": "w", "claims": {}}})
            ),
            "options.claims"
        );
        assert_eq!(
            refusal(json!({"vendor": "amazon-connect", "key": key, "options": {"widget_id": ""}})),
            "options.widget_id"
        );
        assert_eq!(
            refusal(
                json!({"vendor": "amazon-connect", "key": key, "options": {"widget_id": "w"}, "token_ttl_seconds": 601})
            ),
            "token_ttl_seconds"
        );
        let pem = include_str!("../../tests/keys/rsa-2048.pem");
        assert_eq!(
            refusal(
                json!({"vendor": "dynamics365", "key": pem, "key_id": "k", "options": {"issuer": "i", "context": {"c": "email_verified"}}})
            ),
            "options.context.c"
        );
        assert_eq!(
            refusal(json!({"vendor": "dynamics365", "key": pem, "options": {"issuer": "i"}})),
            "key_id"
        );
        assert_eq!(
            refusal(
                json!({"vendor": "infobip", "key": "not base64!", "key_id": "k", "options": {"widget_id": "w"}})
            ),
            "key"
        );
        assert_eq!(refusal(json!({"vendor": "pylon", "key": "not hex"})), "key");
        assert_eq!(refusal(json!({"vendor": "sunshine", "key": "s"})), "key_id");
    }
}
