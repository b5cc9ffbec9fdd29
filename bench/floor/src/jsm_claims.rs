//! The claims of JSM's token, as both floors sign them (floor-lambda includes this file).

use serde::Serialize;

#[derive(Serialize)]
pub struct JsmClaims<'a> {
    pub email: &'a str,
    #[serde(rename = "displayName", skip_serializing_if = "Option::is_none")]
    pub display_name: Option<&'a str>,
    pub iat: u64,
    pub exp: u64,
}
