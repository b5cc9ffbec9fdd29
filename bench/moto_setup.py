"""Fills moto for the bench: the state table, and one Secrets Manager secret per project
(acme-jsm, acme-sprinklr, bench-01 ... bench-NN), plus the session the user-details cold
start asks for. Run with the project's venv python (boto3 comes with moto).

    python moto_setup.py ENDPOINT TABLE PROJECTS_COUNT
"""

import json
import sys
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import template_doc  # noqa: E402

ORIGIN = "https://www.example.com"
JSM_KEY = "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz"
SPRINKLR_KEY = "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d"
CALLBACK_KEY = "cb-key-0123456789abcdefghijklmnop"
WEBHOOK_SECRET = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
REFERENCE = "00112233445566778899aabbccddeeff"

endpoint, table, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
session = boto3.session.Session(
    aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
)
secrets = session.client("secretsmanager", endpoint_url=endpoint)
dynamo = session.client("dynamodb", endpoint_url=endpoint)

projects = {
    "acme-jsm": {"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN]},
    "acme-sprinklr": {
        "vendor": "sprinklr",
        "key": SPRINKLR_KEY,
        "options": {"mode": "user"},
        "allowed_origins": [ORIGIN],
        "callback_keys": [CALLBACK_KEY],
        "webhook_secrets": [WEBHOOK_SECRET],
    },
}
for n in range(1, count + 1):
    projects[f"bench-{n:02d}"] = {
        "vendor": "jsm-chat",
        "key": f"bench-{n:02d}-jsm-key-0123456789abcdef",
        "allowed_origins": [ORIGIN],
    }
for project, config in projects.items():
    secrets.create_secret(Name=f"chatpass/projects/{project}", SecretString=json.dumps(config))

# The table template.yaml declares (key schema, indexes, TTL), from scripts/template_doc.py.
template_doc.create_state_table(dynamo, table)
now = int(time.time())
user = {"id": "u-1001", "email": "alice@example.com", "email_verified": True,
        "name": "Alice Smith", "first_name": "Alice", "last_name": "Smith"}
dynamo.put_item(
    TableName=table,
    Item={
        "pk": {"S": f"session#acme-sprinklr#{REFERENCE}"},
        "user": {"S": json.dumps(user)},
        "created_ms": {"N": str(now * 1000)},
        "expires_at": {"N": str(now + 3 * 3600)},
    },
)
print(f"moto: table {table}, {len(projects)} secrets")
