//! A value the widget makes in the browser and the page sends with its sign-in request
//! (Freshchat's `freshchat_uuid`). Never an identity: a vendor declares the one claim it goes
//! in, and the value is taken only in its declared form (a UUID), checked before signing.

use crate::SignError;

/// The form a page-supplied value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageInputForm {
    /// 8-4-4-4-12 hexadecimal digits (RFC 9562's text form), either case.
    Uuid,
}

/// What a vendor takes from the page: the request body's field `name`, in `form`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInputSpec {
    /// The body field the page sends it in, and the name errors give.
    pub name: String,
    pub form: PageInputForm,
    /// Whether signing refuses a request without it.
    pub required: bool,
}

/// A page-supplied value that has the declared form; only [`PageInputSpec::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInput(String);

impl PageInput {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PageInputSpec {
    /// Checks `raw` against the form; the error names the field, never the value.
    pub fn parse(&self, raw: &str) -> Result<PageInput, SignError> {
        let ok = match self.form {
            PageInputForm::Uuid => is_uuid(raw),
        };
        if !ok {
            return Err(SignError::BadField {
                field: self.name.clone(),
                reason: "must be a UUID (8-4-4-4-12 hexadecimal digits)",
            });
        }
        Ok(PageInput(raw.to_ascii_lowercase()))
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PageInputSpec {
        PageInputSpec {
            name: "freshchat_uuid".into(),
            form: PageInputForm::Uuid,
            required: true,
        }
    }

    #[test]
    fn takes_only_the_uuid_form_and_never_echoes_the_value() {
        let ok = spec()
            .parse("2D1B3C4E-5F60-4A7B-8C9D-0E1F2A3B4C5D")
            .unwrap();
        assert_eq!(ok.as_str(), "2d1b3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d");
        for bad in [
            "",
            "alice@example.com",
            "2d1b3c4e5f604a7b8c9d0e1f2a3b4c5d",
            "2d1b3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d-00",
            "2d1b3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5g",
            "{\"sub\":\"x\"}",
        ] {
            let error = spec().parse(bad).unwrap_err();
            assert_eq!(error.code(), "bad_field", "{bad}");
            let text = error.to_string();
            assert!(text.contains("freshchat_uuid"), "{text}");
            assert!(bad.is_empty() || !text.contains(bad), "{text}");
        }
    }
}
