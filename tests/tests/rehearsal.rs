//! The deploy rehearsal: template.yaml, transformed by the SAM translator and deployed into moto
//! through its CloudFormation, with IAM enforced; each function's binary run under a Lambda
//! Runtime API with its role's credentials and its template environment; every flow through it.
//! Then the resources each call touched against the statements' resources (moto matches
//! actions only), and each statement and action of each role removed in turn, and each function
//! under another's role, to show the roles are enforced and each grant is needed.

mod checks;
mod edge;
mod flows;
mod http1;
mod iam;
mod lambda;
mod signed;
mod stack;
mod world;

use chatpass_service::identity::LOOPBACK_HTTP_VAR;
use chatpass_service::vendor_api::OVERRIDE_VAR;
use chatpass_tests::support::{fixture_of, for_project, route, with_method};
use flows::Flows;
use serde_json::json;
use stack::{Credentials, Statement};
use world::{Deviation, Step, World};

/// What moto's CloudFormation does not create; everything else in the template must be.
const NOT_IN_MOTO: &[&str] = &[
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::CloudWatch::Alarm",
];

#[tokio::test(flavor = "multi_thread")]
async fn every_flow_runs_under_the_templates_own_roles_and_touches_only_what_they_name() {
    let mut world = World::start().await;
    for (logical_id, kind) in &world.stack.not_created {
        assert!(
            NOT_IN_MOTO.contains(&kind.as_str()),
            "moto's CloudFormation did not create {logical_id} ({kind}): rehearse it another way"
        );
    }
    for (name, role) in &world.stack.roles {
        assert_eq!(
            role.trust["Statement"],
            json!([{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": world.stack.account}},
            }]),
            "{name}: only the Lambda service of this account may assume it"
        );
    }
    let reserved = world.stack.parameters["ReservedConcurrency"].parse().ok();
    for (name, function) in &world.stack.functions {
        assert_eq!(
            function.reserved_concurrency, reserved,
            "{name}'s reserved concurrency"
        );
        assert!(
            !function.environment.contains_key(LOOPBACK_HTTP_VAR),
            "{name}: a deployed function never fetches plain http from loopback"
        );
        assert!(
            !function.environment.contains_key(OVERRIDE_VAR),
            "{name}: a deployed function asks the vendors' own APIs"
        );
    }
    let mut flows = Flows::prepare(&world).await;
    if let Err(deviation) = flows.run(&mut world) {
        panic!("under the template's roles:\n{deviation}");
    }
    if let Err(deviation) = flows.seams(&mut world) {
        panic!("a seam, through the function binaries:\n{deviation}");
    }
    // A route no flow reaches is sent its declared fixture: it must answer, under its role.
    let unreached: Vec<(String, String)> = world
        .stack
        .routes
        .iter()
        .filter(|r| {
            !world
                .routes_sent
                .contains(&format!("{} {}", r.method, r.path))
        })
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    for (method, path) in unreached {
        let name = path.rsplit('/').next().unwrap_or_default();
        let declared = route(name);
        let event = with_method(
            for_project(fixture_of(declared), flows::ANY_PROJECT),
            &method,
        );
        if let Err(deviation) = world.reach(&format!("{method} {path}, its fixture"), event) {
            panic!("a route no flow reaches:\n{deviation}");
        }
    }
    let mut problems = checks::resources(&world).await;
    problems.extend(checks::tests_table_is_the_deployed_one(&world).await);
    problems.extend(checks::table(&world).await);
    let secrets = flows::secrets();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    problems.extend(checks::logs(&world, &secrets));
    let problems: Vec<String> = problems.into_iter().collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A role's statements less the `removed` actions of statement `sid` (an emptied one goes).
fn without(statements: &[Statement], sid: &str, removed: &[String]) -> Vec<Statement> {
    statements
        .iter()
        .map(|s| Statement {
            actions: s
                .actions
                .iter()
                .filter(|a| s.sid != sid || !removed.contains(a))
                .cloned()
                .collect(),
            ..s.clone()
        })
        .filter(|s| !s.actions.is_empty())
        .collect()
}

/// The flows with `function` running under `credentials` (of a role allowing `statements`),
/// its own process back in place afterwards.
fn run_under(
    world: &mut World,
    flows: &mut Flows,
    function: &str,
    credentials: &Credentials,
    statements: &[Statement],
) -> Step<()> {
    let under = world.launch(function, credentials, statements);
    let own = world.running.insert(function.to_owned(), under);
    let outcome = flows.run(world);
    world
        .running
        .insert(function.to_owned(), own.expect("the function was running"));
    outcome
}

/// Why `deviation` is not `function` failing closed on a refused call, if it is not.
fn not_closed(function: &str, deviation: &Deviation) -> Option<String> {
    let denied = deviation.denied();
    if deviation.function != function || denied.is_empty() {
        return Some(format!("it failed otherwise:\n{deviation}"));
    }
    // Lambda delivers a function's logs with its role: a refusal loses them, the answer stands.
    if denied.iter().all(|c| c.action.starts_with("logs:")) {
        return (!deviation.as_expected).then(|| format!("its answer changed:\n{deviation}"));
    }
    let answer = deviation.answer.as_ref()?;
    let retry_after = answer
        .header("retry-after")
        .and_then(|r| r.parse::<u32>().ok());
    if answer.status != 503 || retry_after.is_none_or(|s| s == 0) {
        return Some(format!("not a 503 with Retry-After:\n{deviation}"));
    }
    None
}

/// One line of the table of what each removal breaks (printed for SECURITY.md).
fn row(function: &str, without: &str, deviation: &Deviation) -> String {
    let denied: Vec<&str> = deviation
        .denied()
        .iter()
        .filter_map(|c| c.refused_action())
        .collect();
    let answer = deviation
        .answer
        .as_ref()
        .map_or("no answer".to_owned(), |a| a.status.to_string());
    format!(
        "| {function} | {without} | {} | {answer} | {} |",
        deviation.step,
        denied.join(", ")
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_any_statement_or_action_of_a_role_fails_its_function_closed() {
    let mut world = World::start().await;
    let mut flows = Flows::prepare(&world).await;
    let variants: Vec<_> = world
        .stack
        .variants
        .iter()
        .map(|v| {
            let statements = &world.stack.role_of(&v.function).statements;
            let label = if v.whole_statement {
                format!("statement {}", v.sid)
            } else {
                format!("{} of {}", v.removed.join(", "), v.sid)
            };
            (
                v.function.clone(),
                label,
                v.credentials.clone(),
                without(statements, &v.sid, &v.removed),
            )
        })
        .collect();
    assert!(!variants.is_empty());
    let (mut table, mut failures) = (Vec::new(), Vec::new());
    for (function, label, credentials, statements) in variants {
        match run_under(&mut world, &mut flows, &function, &credentials, &statements) {
            Ok(()) => failures.push(format!(
                "{function} without {label}: every flow passed, so it is not needed"
            )),
            Err(deviation) => {
                if let Some(why) = not_closed(&function, &deviation) {
                    failures.push(format!("{function} without {label}: {why}"));
                }
                table.push(row(&function, &label, &deviation));
            }
        }
    }
    println!("| function | without | first failing step | answer | refused |");
    println!("|---|---|---|---|---|");
    println!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_function_under_another_functions_role_fails_closed() {
    let mut world = World::start().await;
    let mut flows = Flows::prepare(&world).await;
    // Each function under a role that lacks one of its calls.
    let pairs = [
        ("issue-jwt", "logout-webhook"),
        ("hash-user", "user-details-callback"),
        ("user-details-callback", "logout-webhook"),
        ("logout-webhook", "hash-user"),
    ];
    let mut failures = Vec::new();
    for (function, other) in pairs {
        let role = world.stack.role_of(other);
        let (credentials, statements) = (role.credentials.clone(), role.statements.clone());
        match run_under(&mut world, &mut flows, function, &credentials, &statements) {
            Ok(()) => failures.push(format!(
                "{function} under {other}'s role: every flow passed"
            )),
            Err(deviation) => {
                println!("{}", row(function, &format!("{other}'s role"), &deviation));
                let logs_only = deviation
                    .denied()
                    .iter()
                    .all(|c| c.action.starts_with("logs:"));
                match not_closed(function, &deviation) {
                    Some(why) => failures.push(format!("{function} under {other}'s role: {why}")),
                    None if logs_only => failures.push(format!(
                        "{function} under {other}'s role: only its log delivery was refused"
                    )),
                    None => {}
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
