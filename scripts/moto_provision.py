"""The moto server of the scripts and the bench, and what chatpass needs in it: the state table
as template.yaml declares it (scripts/template_doc.py), one Secrets Manager secret per project,
and sessions for the callback. The Rust tests have their own helpers (tests/src/moto.rs).

    child, endpoint = moto_provision.start(children, port)           # http://127.0.0.1:PORT
    child, endpoint = moto_provision.start(children, port, tls=(cert, key, ca))  # https://...
    moto_provision.provision(endpoint, "chatpass-bench", {"acme": {...}}, verify=ca_file)
"""

import json
import os
import ssl
import sys
import time
import urllib.request

import boto3

import template_doc
from local_run import ROOT, wait_for_url

SECRET_PREFIX = "chatpass/projects/"
REGION = "us-east-1"
# moto takes any credentials; these never leave loopback.
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def server_binary():
    """moto_server: CHATPASS_MOTO_SERVER, else the venv beside the repository."""
    return os.environ.get("CHATPASS_MOTO_SERVER") or str(ROOT / ".venv" / "bin" / "moto_server")


def start(children, port, tls=None, recording=None, name="moto", cyclic_gc=True):
    """moto on 127.0.0.1:port, over TLS with `tls=(cert_file, key_file, ca_file)` (the chain it
    serves, its key, and the CA that signed it); with `recording`, its request recorder writes
    every request to that file. Without `cyclic_gc`, moto runs under this Python with its
    cycle collector off: its full collections (tens to hundreds of ms, as its heap grows)
    otherwise land on whichever requests are in flight, a pause DynamoDB does not have.
    Waits until it answers."""
    server = [server_binary()] if cyclic_gc else [
        sys.executable, "-c",
        "import gc, sys; gc.disable(); from moto.server import main; sys.exit(main())"]
    argv = [*server, "-H", "127.0.0.1", "-p", port]
    env = dict(os.environ)
    context = None
    if tls:
        cert, key, ca = tls
        argv += ["-c", cert, "-k", key]
        context = ssl.create_default_context(cafile=str(ca))
    if recording:
        env.update(MOTO_ENABLE_RECORDING="true", MOTO_RECORDER_FILEPATH=str(recording))
    child = children.start(name, argv, env=env)
    endpoint = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    wait_for_url(f"{endpoint}/moto-api/", child, context=context)
    return child, endpoint


def clients(endpoint, verify=None):
    """(Secrets Manager, DynamoDB) boto3 clients on `endpoint`; `verify` is a CA bundle file."""
    session = boto3.session.Session(region_name=REGION, **CREDENTIALS)
    return (session.client("secretsmanager", endpoint_url=endpoint, verify=verify),
            session.client("dynamodb", endpoint_url=endpoint, verify=verify))


def provision(endpoint, table, projects, sessions=None, verify=None, prefix=SECRET_PREFIX):
    """The state table with `sessions` (see `create_table`), and a secret `prefix + id` per
    project config."""
    secrets, _ = clients(endpoint, verify)
    create_table(endpoint, table, sessions, verify)
    for project, config in projects.items():
        secrets.create_secret(Name=f"{prefix}{project}", SecretString=json.dumps(config))


def create_table(endpoint, table, sessions=None, verify=None):
    """The state table as template.yaml declares it, with `sessions`:
    `{(project, reference): user}` as the callback reads them (three hours to live)."""
    _, dynamo = clients(endpoint, verify)
    template_doc.create_state_table(dynamo, table)
    now = int(time.time())
    for (project, reference), user in (sessions or {}).items():
        dynamo.put_item(TableName=table, Item={
            "pk": {"S": f"session#{project}#{reference}"},
            "user": {"S": json.dumps(user)},
            "created_ms": {"N": str(now * 1000)},
            "expires_at": {"N": str(now + 3 * 3600)},
        })


def delete_table(endpoint, table, verify=None):
    _, dynamo = clients(endpoint, verify)
    dynamo.delete_table(TableName=table)


def sdk_environment(endpoint=None, table=None):
    """The environment an AWS SDK client (chatpass's functions and serve) needs to reach moto:
    credentials, region, no instance metadata, and the endpoint when given."""
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
           "AWS_EC2_METADATA_DISABLED": "true"}
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    if table:
        env["CHATPASS_TABLE"] = table
    return env


def reset_recording(endpoint):
    """Empties moto's request recording (plain-HTTP moto)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/recorder/reset-recording",
                                     method="POST")
    urllib.request.urlopen(request, timeout=10).close()
