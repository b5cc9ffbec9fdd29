//! The state table as template.yaml declares it (key schema, TTL attribute; no indexes), so
//! the tests create the table the template deploys instead of restating it.

use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use serde_norway::Value;
use std::path::PathBuf;

/// The `Properties` of template.yaml's one `AWS::DynamoDB::Table`. Panics if there is not
/// exactly one, or if it uses an intrinsic function (the tests could not resolve it).
pub fn state_table() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let template: Value = serde_norway::from_str(&text).expect("template.yaml is YAML");
    let tables: Vec<&Value> = template["Resources"]
        .as_mapping()
        .expect("template.yaml has Resources")
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::DynamoDB::Table"))
        .collect();
    assert_eq!(tables.len(), 1, "template.yaml declares one DynamoDB table");
    let properties = tables[0]["Properties"].clone();
    assert!(
        !serde_norway::to_string(&properties).unwrap().contains('!'),
        "the state table's properties use an intrinsic function the tests cannot resolve"
    );
    properties
}

/// The TTL attribute of the template's table, if TTL is on.
pub fn ttl_attribute(table: &Value) -> Option<String> {
    let ttl = &table["TimeToLiveSpecification"];
    (ttl["Enabled"].as_bool() == Some(true))
        .then(|| ttl["AttributeName"].as_str().map(str::to_owned))
        .flatten()
}

/// `create` with the table's billing mode, attributes and key schema. Panics if the template
/// declares a secondary index, which this does not build.
pub fn create_table_request(
    create: CreateTableFluentBuilder,
    table: &Value,
) -> CreateTableFluentBuilder {
    let billing = table["BillingMode"].as_str().unwrap_or("PROVISIONED");
    assert_eq!(
        billing, "PAY_PER_REQUEST",
        "the tests create on-demand tables only"
    );
    let mut create = create.billing_mode(BillingMode::PayPerRequest);
    for attribute in list(&table["AttributeDefinitions"]) {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(&attribute["AttributeName"]))
                .attribute_type(ScalarAttributeType::from(text(&attribute["AttributeType"])))
                .build()
                .expect("an attribute definition"),
        );
    }
    for indexes in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        assert!(
            list(&table[indexes]).is_empty(),
            "the state table declares {indexes}: build them here too"
        );
    }
    create.set_key_schema(Some(key_schema(&table["KeySchema"])))
}

fn list(value: &Value) -> Vec<Value> {
    value.as_sequence().cloned().unwrap_or_default()
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string in the table's properties")
}

fn key_schema(value: &Value) -> Vec<KeySchemaElement> {
    list(value)
        .iter()
        .map(|key| {
            KeySchemaElement::builder()
                .attribute_name(text(&key["AttributeName"]))
                .key_type(KeyType::from(text(&key["KeyType"])))
                .build()
                .expect("a key schema element")
        })
        .collect()
}
