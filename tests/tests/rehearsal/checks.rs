//! What moto does not check, checked from what the flows did: resources against statements,
//! nothing else reached, the table's items and indexes, and the logs delivered.

use super::iam;
use super::signed;
use super::stack::Statement;
use super::world::World;
use chatpass_tests::moto::Moto;
use chatpass_tests::support::create_table;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The resource IAM names by `arn`, as the account lists it: a log stream's group.
fn identity(arn: &str) -> String {
    match arn.split_once(":log-stream:") {
        Some((group, _)) => group.to_owned(),
        None => arn.to_owned(),
    }
}

/// Problems with the resources the flows touched, statement by statement.
pub async fn resources(world: &World) -> BTreeSet<String> {
    let mut problems = BTreeSet::new();
    // Statements with the same resources share what justifies them (every function reads
    // every project's secret and the one table).
    let mut touched: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for (function, calls) in world.calls() {
        let statements = &world.stack.role_of(&function).statements;
        for call in calls.iter().filter(|c| c.denied.is_none()) {
            for (action, arn) in &call.accesses {
                let granting: Vec<&Statement> = statements
                    .iter()
                    .filter(|s| s.actions.iter().any(|a| iam::action_matches(a, action)))
                    .collect();
                let within: Vec<&Statement> = granting
                    .iter()
                    .copied()
                    .filter(|s| s.resources.iter().any(|r| iam::arn_matches(r, arn)))
                    .collect();
                if granting.is_empty() {
                    problems.insert(format!("{function}: {action} is in no statement"));
                } else if within.is_empty() {
                    let resources: Vec<&Vec<String>> =
                        granting.iter().map(|s| &s.resources).collect();
                    problems.insert(format!(
                        "{function}: {action} on {arn} is outside {resources:?}"
                    ));
                }
                for statement in within {
                    touched
                        .entry(statement.resources.clone())
                        .or_default()
                        .insert(identity(arn));
                }
            }
        }
    }

    let account = inventory(world).await;
    let decoys = &world.stack.decoys;
    for decoy in decoys
        .tables
        .iter()
        .chain(&decoys.secrets)
        .chain(&decoys.log_groups)
    {
        if !account.keys().any(|id| id.contains(decoy.as_str())) {
            problems.insert(format!(
                "the account lists no {decoy}: the check would be vacuous"
            ));
        }
    }
    for (function, spec) in &world.stack.functions {
        for statement in &world.stack.roles[&spec.role].statements {
            let justified = touched.get(&statement.resources);
            for (id, candidates) in &account {
                let reached = candidates
                    .iter()
                    .any(|arn| statement.resources.iter().any(|r| iam::arn_matches(r, arn)));
                if reached && !justified.is_some_and(|j| j.contains(id)) {
                    problems.insert(format!(
                        "{function}'s statement {} reaches {id}, which no flow touched",
                        statement.sid
                    ));
                }
            }
        }
    }
    problems
}

/// Every table, secret and log group of the account: its ARN, and the ARNs IAM would check
/// for calls on it (a log group's streams included).
async fn inventory(world: &World) -> BTreeMap<String, Vec<String>> {
    let (region, account) = (&world.stack.region, &world.stack.account);
    let mut found = BTreeMap::new();
    let tables = aws_sdk_dynamodb::Client::new(&world.admin).list_tables();
    let tables = tables.send().await.expect("list tables");
    let secrets = aws_sdk_secretsmanager::Client::new(&world.admin).list_secrets();
    let secrets = secrets.send().await.expect("list secrets");
    let table_arns = tables
        .table_names()
        .iter()
        .map(|table| format!("arn:aws:dynamodb:{region}:{account}:table/{table}"));
    let secret_arns = secrets
        .secret_list()
        .iter()
        .map(|secret| secret.arn().unwrap_or_default().to_owned());
    for arn in table_arns.chain(secret_arns) {
        found.insert(arn.clone(), vec![arn]);
    }
    let groups = admin_logs(world, "DescribeLogGroups", json!({}));
    for group in groups["logGroups"].as_array().into_iter().flatten() {
        let name = group["logGroupName"].as_str().unwrap_or_default();
        let arn = format!("arn:aws:logs:{region}:{account}:log-group:{name}");
        let stream = format!("{arn}:log-stream:any");
        found.insert(arn.clone(), vec![arn, stream]);
    }
    found
}

/// A CloudWatch Logs call by the rehearsal's administrator, straight to moto.
fn admin_logs(world: &World, operation: &str, body: Value) -> Value {
    let credentials = &world.stack.admin;
    let endpoint = world
        .moto
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let target = format!("Logs_20140328.{operation}");
    let (status, answer) = signed::call(
        endpoint,
        &world.stack.region,
        credentials,
        "logs",
        &target,
        &body,
    )
    .unwrap_or_else(|e| panic!("{operation}: {e}"));
    assert_eq!(status, 200, "{operation}: {answer}");
    answer
}

/// Problems with the table: an item written without the template's key or TTL attribute, or
/// an index of the template no flow used.
pub async fn table(world: &World) -> BTreeSet<String> {
    let table = &world.stack.table;
    let mut problems = BTreeSet::new();
    let scan = aws_sdk_dynamodb::Client::new(&world.admin)
        .scan()
        .table_name(&table.table_name)
        .send()
        .await
        .expect("scan the state table");
    let keys: Vec<&str> = table
        .key_schema
        .iter()
        .filter_map(|k| k["AttributeName"].as_str())
        .collect();
    if scan.items().is_empty() {
        problems.insert("the flows wrote nothing to the state table".to_owned());
    }
    for item in scan.items() {
        let pk = item.get(keys[0]).and_then(|v| v.as_s().ok());
        for key in &keys {
            if !item.contains_key(*key) {
                problems.insert(format!("an item ({pk:?}) has no key attribute {key}"));
            }
        }
        if let Some(ttl) = &table.time_to_live_attribute
            && item.get(ttl).is_none_or(|v| v.as_n().is_err())
        {
            problems.insert(format!(
                "an item ({pk:?}) has no number {ttl}: DynamoDB would never expire it"
            ));
        }
    }
    let used: BTreeSet<String> = world
        .calls()
        .values()
        .flatten()
        .flat_map(|c| c.accesses.iter().map(|(_, arn)| arn.clone()))
        .collect();
    for index in table
        .global_secondary_indexes
        .iter()
        .chain(&table.local_secondary_indexes)
    {
        let name = index["IndexName"].as_str().unwrap_or_default();
        if !used
            .iter()
            .any(|arn| arn.ends_with(&format!("/index/{name}")))
        {
            problems.insert(format!("the template's index {name} is used by no flow"));
        }
    }
    problems
}

/// Problems with each function's logs: none delivered to its log group, or a line holding a
/// secret the flows used.
pub fn logs(world: &World, secrets: &[&str]) -> BTreeSet<String> {
    let mut problems = BTreeSet::new();
    for (function, spec) in &world.stack.functions {
        let events = admin_logs(
            world,
            "FilterLogEvents",
            json!({"logGroupName": spec.log_group}),
        );
        let events = events["events"].as_array().cloned().unwrap_or_default();
        if events.is_empty() {
            problems.insert(format!(
                "{function}: no log line reached {}",
                spec.log_group
            ));
        }
        for event in &events {
            let line = event["message"].as_str().unwrap_or_default();
            if let Some(secret) = secrets.iter().find(|s| line.contains(**s)) {
                problems.insert(format!(
                    "{function} logged a secret ({} chars)",
                    secret.len()
                ));
            }
        }
    }
    problems
}

/// Problems if the table the other tests create (`support::create_table`, from the template)
/// differs from the one the stack deployed: key schema, attributes, indexes, billing, TTL.
pub async fn tests_table_is_the_deployed_one(world: &World) -> BTreeSet<String> {
    let plain = Moto::start();
    create_table(&plain, "rehearsal-compare").await;
    let tests = describe(&plain.sdk_config().await, "rehearsal-compare").await;
    let deployed = describe(&world.admin, &world.stack.table.table_name).await;
    let mut problems = BTreeSet::new();
    if tests != deployed {
        problems.insert(format!(
            "the tests' state table is not the deployed one:\n  tests:    {tests}\n  deployed: {deployed}"
        ));
    }
    problems
}

/// What the code relies on of a table, as one comparable string.
async fn describe(sdk: &aws_config::SdkConfig, table: &str) -> String {
    let client = aws_sdk_dynamodb::Client::new(sdk);
    let described = client.describe_table().table_name(table).send();
    let described = described.await.expect("describe the table");
    let t = described.table().expect("a table");
    let ttl = client.describe_time_to_live().table_name(table).send();
    let ttl = ttl.await.expect("describe its TTL");
    let ttl = ttl.time_to_live_description();
    format!(
        "keys {:?} attributes {:?} global {:?} local {:?} billing {:?} ttl {:?} {:?}",
        t.key_schema(),
        t.attribute_definitions(),
        t.global_secondary_indexes()
            .iter()
            .map(|i| (i.index_name(), i.key_schema(), i.projection()))
            .collect::<Vec<_>>(),
        t.local_secondary_indexes()
            .iter()
            .map(|i| (i.index_name(), i.key_schema(), i.projection()))
            .collect::<Vec<_>>(),
        t.billing_mode_summary().and_then(|b| b.billing_mode()),
        ttl.and_then(|d| d.attribute_name()),
        ttl.and_then(|d| d.time_to_live_status()),
    )
}
