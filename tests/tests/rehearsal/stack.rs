//! The stack template.yaml deploys, stood up in moto by scripts/rehearsal_stack.py (the SAM
//! translator, then moto's CloudFormation, then IAM enforced) and read back as it describes it.

use chatpass_tests::moto::{Moto, target_dir, workspace_root};
use chatpass_tests::pyjwt::python;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default)]
    pub session_token: Option<String>,
}

/// A function as deployed: its environment is what moto's Lambda holds after CloudFormation.
#[derive(Debug, Deserialize)]
pub struct FunctionSpec {
    pub name: String,
    /// The logical id of its role.
    pub role: String,
    pub environment: BTreeMap<String, String>,
    pub timeout_seconds: u64,
    pub memory_mb: u64,
    pub reserved_concurrency: Option<u64>,
    pub log_group: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Statement {
    pub sid: String,
    pub actions: Vec<String>,
    /// Resolved as CloudFormation would resolve them.
    pub resources: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Role {
    pub trust: Value,
    pub statements: Vec<Statement>,
    /// Assumed by the stand-in for the Lambda service, the function's name as the session.
    pub credentials: Credentials,
}

#[derive(Debug, Deserialize)]
pub struct Route {
    pub function: String,
    pub method: String,
    pub path: String,
    pub authorizer: Option<String>,
}

/// The state table as created, with the TTL attribute the template names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    pub table_name: String,
    pub key_schema: Vec<Value>,
    pub time_to_live_attribute: Option<String>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<Value>,
    #[serde(default)]
    pub local_secondary_indexes: Vec<Value>,
}

/// A function's role less one statement, or less one action of a statement.
#[derive(Debug, Deserialize)]
pub struct Variant {
    pub function: String,
    pub sid: String,
    pub removed: Vec<String>,
    pub whole_statement: bool,
    pub credentials: Credentials,
}

#[derive(Debug, Deserialize)]
pub struct Decoys {
    pub tables: Vec<String>,
    pub secrets: Vec<String>,
    pub log_groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Stack {
    pub region: String,
    pub account: String,
    pub parameters: BTreeMap<String, String>,
    /// The rehearsal's administrator, for the test's own calls.
    pub admin: Credentials,
    pub functions: BTreeMap<String, FunctionSpec>,
    pub roles: BTreeMap<String, Role>,
    pub routes: Vec<Route>,
    pub table: Table,
    pub variants: Vec<Variant>,
    pub decoys: Decoys,
    /// Logical id → type of what moto's CloudFormation skipped.
    pub not_created: BTreeMap<String, String>,
}

impl Stack {
    /// Deploys template.yaml into `moto` (which must not enforce IAM yet; it does afterwards).
    /// `parameters` are the ones without a default; every other takes the template's default.
    pub fn deploy(moto: &Moto, parameters: &[(&str, &str)]) -> Stack {
        let out = target_dir().join("rehearsal").join(format!(
            "stack-{}.json",
            moto.endpoint.rsplit(':').next().unwrap_or("moto")
        ));
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        let mut command = Command::new(python());
        command
            .arg(workspace_root().join("scripts/rehearsal_stack.py"))
            .args(["deploy", "--endpoint", &moto.endpoint, "--out"])
            .arg(&out);
        for (name, value) in parameters {
            command.args(["--parameter", &format!("{name}={value}")]);
        }
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()));
        assert!(
            output.status.success(),
            "rehearsal_stack.py deploy failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", out.display()))
    }

    pub fn role_of(&self, function: &str) -> &Role {
        &self.roles[&self.functions[function].role]
    }

    /// The SDK config of the rehearsal's administrator, for the test's own calls.
    pub async fn admin_sdk(&self, moto: &Moto) -> aws_config::SdkConfig {
        let c = &self.admin;
        chatpass_service::aws::loader()
            .region(aws_config::Region::new(self.region.clone()))
            .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
                &c.access_key_id,
                &c.secret_access_key,
                None,
                None,
                "rehearsal-admin",
            ))
            .endpoint_url(&moto.endpoint)
            .load()
            .await
    }
}
