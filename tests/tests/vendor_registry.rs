//! Everything outside a vendor's own file that names vendors is checked against the registry
//! (`chatpass_signing::vendors`): the README's vendor table, the OpenAPI document's `Vendor`
//! enum, and the widget calls the demo page shows, filled in with each vendor's worked case.

use chatpass_signing::vendors;
use chatpass_tests::support::vectors;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn read(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_vendor_table_is_the_registry_with_each_vendors_endpoint() {
    let readme = read("README.md");
    let table = readme
        .split("## Vendors")
        .nth(1)
        .expect("a Vendors section")
        .lines()
        .skip_while(|line| !line.starts_with("| vendor id"))
        .skip(2)
        .take_while(|line| line.starts_with('|'));
    let mut listed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in table {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let id = cells[1]
            .split('`')
            .nth(1)
            .expect("a vendor id in backticks");
        listed
            .entry(id.to_owned())
            .or_default()
            .insert(cells[2].to_owned());
    }
    let registry: BTreeMap<String, BTreeSet<String>> = vendors::specs()
        .map(|spec| {
            let endpoint = BTreeSet::from([spec.endpoint.path().to_owned()]);
            (spec.id.to_owned(), endpoint)
        })
        .collect();
    assert_eq!(listed, registry);
}

#[test]
fn the_openapi_vendor_enum_is_the_registry() {
    let doc = chatpass_tests::openapi::document();
    let listed: BTreeSet<&str> = doc["components"]["schemas"]["Vendor"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let registry: BTreeSet<&str> = vendors::ids().collect();
    assert_eq!(listed, registry);
}

/// `call` with `{settings}` and `{settings.<field>}` replaced as the demo page does; a field the
/// settings do not hold is an error naming it.
fn fill(call: &str, settings: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = call;
    while let Some(start) = rest.find("{settings") {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find('}').ok_or("an unclosed placeholder")?;
        let value = match &rest[start + "{settings".len()..end] {
            "" => settings,
            field => settings
                .get(field.trim_start_matches('.'))
                .ok_or(format!("no `{field}` in the settings"))?,
        };
        out.push_str(&value.to_string());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[test]
fn every_vendors_page_calls_fill_in_from_its_worked_cases() {
    let cases = vectors("vendors.json");
    let mut filled = BTreeSet::new();
    for case in cases["cases"].as_array().unwrap() {
        let Some(settings) = case["expected"].get("settings") else {
            continue;
        };
        let id = case["project"]["vendor"].as_str().unwrap();
        let spec = vendors::spec(id).unwrap();
        let call =
            fill(spec.page.sign_in, settings).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        assert!(!call.contains("{settings"), "{call}");
        assert!(!spec.page.sign_out.is_empty(), "{id} has a sign-out call");
        filled.insert(id);
    }
    let registry: BTreeSet<&str> = vendors::ids().collect();
    assert_eq!(filled, registry, "a worked case fills each vendor's calls");
}

#[test]
fn the_demo_page_holds_no_vendor_of_its_own() {
    let page = read("cli/src/commands/serve/page.html");
    for id in vendors::ids() {
        assert!(
            !page.contains(&format!("\"{id}\"")),
            "page.html names `{id}`: its calls come from the registry"
        );
    }
}
