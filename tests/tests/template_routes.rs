//! template.yaml deploys exactly the routes the functions declare: each function's `HttpApi`
//! events are its routes' methods and paths, and the JWT authorizer guards exactly the
//! browser-facing ones (their preflights excepted).

use chatpass_tests::moto::workspace_root;
use serde_norway::Value;
use std::collections::BTreeSet;

/// (function folder, method, path, behind the authorizer)
type Deployed = (String, String, String, bool);

fn template_routes() -> BTreeSet<Deployed> {
    let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    let template: Value = serde_norway::from_str(&text).unwrap();
    let mut routes = BTreeSet::new();
    for resource in template["Resources"].as_mapping().unwrap().values() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let properties = &resource["Properties"];
        let code = properties["CodeUri"].as_str().expect("a CodeUri");
        let function = code.rsplit('/').next().unwrap().to_owned();
        for event in properties["Events"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.values())
        {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let route = &event["Properties"];
            routes.insert((
                function.clone(),
                route["Method"].as_str().unwrap().to_owned(),
                route["Path"].as_str().unwrap().to_owned(),
                !route["Auth"]["Authorizer"].is_null(),
            ));
        }
    }
    routes
}

fn declared_routes() -> BTreeSet<Deployed> {
    chatpass::routes::all()
        .flat_map(|route| {
            route.spec.methods.iter().map(move |method| {
                (
                    route.spec.function.to_owned(),
                    method.as_str().to_owned(),
                    format!("/v1/projects/{{project}}/{}", route.spec.name),
                    route.spec.browser && method.as_str() != "OPTIONS",
                )
            })
        })
        .collect()
}

#[test]
fn the_template_deploys_exactly_the_declared_routes_with_the_authorizer_on_the_browser_ones() {
    assert_eq!(template_routes(), declared_routes());
}
