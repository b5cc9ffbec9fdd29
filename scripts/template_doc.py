"""template.yaml as data: the SAM template read with its short-form tags, transformed to plain
CloudFormation by the SAM translator, and the state table's CreateTable request taken from it.

Used by rehearsal_stack.py (the deploy rehearsal and the static checks) and by
moto_provision.py, which makes the state table in moto for the scripts and the bench, so the
table's key schema, indexes and TTL attribute are written once, in the template.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
# The translator asks boto3 for a region (it names the partition); none is ever called.
REGION = "us-east-1"
# Where `sam package` would put each function's code; the rehearsal uploads a placeholder there.
CODE_BUCKET = "chatpass-rehearsal-code"


def load(template=TEMPLATE):
    """The template as a dict, `!Ref X` read as `{"Ref": "X"}` (the SAM CLI's own parser)."""
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(Path(template).read_text())


class _NoManagedPolicies:
    """The translator's managed-policy map. The template attaches no managed policy (each role is
    written out), so the map it would fetch from IAM is empty; one that did would fail here."""

    def load(self):
        return {}


def transform(doc, parameters=None):
    """The SAM document as plain CloudFormation, as `sam deploy` hands it to CloudFormation.

    Each function's CodeUri becomes the S3 location `sam package` would give it.
    """
    from samtranslator.translator.transform import transform as sam_transform

    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    doc = dict(doc, Resources=dict(doc["Resources"]))
    for logical_id, resource in doc["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function":
            properties = dict(resource["Properties"], CodeUri=f"s3://{CODE_BUCKET}/{logical_id}.zip")
            doc["Resources"][logical_id] = dict(resource, Properties=properties)
    return sam_transform(doc, parameters or {}, _NoManagedPolicies())


def state_table(doc):
    """(logical id, properties) of the template's one DynamoDB table."""
    tables = [
        (logical_id, resource["Properties"])
        for logical_id, resource in doc["Resources"].items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    ]
    if len(tables) != 1:
        raise SystemExit(f"template.yaml has {len(tables)} DynamoDB tables; chatpass expects one")
    return tables[0]


def create_table_request(doc, table_name):
    """boto3 `create_table` arguments and the TTL attribute (or None) of the template's table."""
    _, properties = state_table(doc)
    request = {
        "TableName": table_name,
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
    }
    for indexes in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if properties.get(indexes):
            request[indexes] = properties[indexes]
    ttl = properties.get("TimeToLiveSpecification") or {}
    return request, (ttl.get("AttributeName") if ttl.get("Enabled") else None)


def create_state_table(dynamodb, table_name, template=TEMPLATE):
    """Creates the template's state table (schema, indexes, TTL) through a boto3 DynamoDB client."""
    request, ttl_attribute = create_table_request(load(template), table_name)
    dynamodb.create_table(**request)
    if ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
        )
