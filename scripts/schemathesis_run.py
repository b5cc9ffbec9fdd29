#!/usr/bin/env python3
"""Checks `chatpass serve` against openapi.yaml with schemathesis: no 5xx, every status
documented for its operation, every response body and header as documented.

Serve runs with a projects file (a JWT vendor, a hash vendor, Sprinklr's custom-user and
cookie modes, a Salesforce project with a made-up RSA key whose public key jwks.json,
public-key.pem and public-keys.json publish, Freshchat, whose token takes the page's
freshchat_uuid, webhook secrets, callback keys, an OIDC logout JWKS served on loopback) and a
JWKS from scripts/idp.py, whose identity token and the projects' callback key are given to
schemathesis per security scheme; scripts/schemathesis_hooks.py signs the webhook deliveries.
Loopback only; bounded by --max-examples.

Usage: .venv/bin/python scripts/schemathesis_run.py   (scripts/test.sh runs it)
  SCHEMATHESIS_MAX_EXAMPLES (default 100) examples per operation and phase
  SCHEMATHESIS_SEED         (default 20261122) for a reproducible run
  SCHEMATHESIS_REPORT       (default target/schemathesis/report.ndjson) every request and response
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import idp
from local_run import ROOT, Children, cargo_build_dev, free_port, start_serve, wait_for_port

ISSUER = "https://idp.example.com/"
AUDIENCE = "chatpass-schemathesis"
CALLBACK_KEY = "cbk-schemathesis-0123456789abcdefghij"
WEBHOOK_SECRET = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
ORIGIN = "https://www.example.com"


def projects(jwks_url):
    common = {"allowed_origins": [ORIGIN], "callback_keys": [CALLBACK_KEY],
              "webhook_secrets": [WEBHOOK_SECRET]}
    sprinklr = {"vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d"}
    rsa_key = (ROOT / "shared/signing/tests/keys/rsa-2048.pem").read_text()
    return {
        "st-keys": {"vendor": "salesforce-miaw", "key": rsa_key, "key_id": "st-k1",
                    "options": {"issuer": ORIGIN}, **common},
        "st-jwt": {"vendor": "jsm-chat", "key": "jsm-chat-secret-0123456789abcdef",
                   "allowed_email_domains": ["example.com"], **common},
        "st-hash": {"vendor": "intercom", "key": "intercom-idv-secret-0123456789", **common,
                    "oidc_logout": {"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks_url}},
        "st-custom": {**sprinklr, "options": {"mode": "custom-user"}, **common},
        "st-cookie": {**sprinklr, "options": {"mode": "cookie"}, "cookie_domain": ".example.com",
                      **common},
        "st-freshchat": {"vendor": "freshchat", "key": "freshchat-encryption-key-0123456789",
                         **common},
    }


# Projects drawn from the file most of the time (so every status of a known project shows),
# else generated from the pattern (unknown projects).
CONFIG = """hooks = "{hooks}"

[auth.openapi.identityToken]
bearer = "${{CHATPASS_ST_ID_TOKEN}}"

[auth.openapi.callbackKey]
bearer = "${{CHATPASS_ST_CALLBACK_KEY}}"

[dictionaries.projects]
values = ["st-jwt", "st-hash", "st-custom", "st-cookie", "st-keys", "st-freshchat"]

[parameters]
"path.project" = {{ dictionary = "projects", probability = 0.8 }}
"header.Origin" = {{ dictionary = "origins", probability = 0.7 }}

[dictionaries.origins]
values = ["https://www.example.com", "https://evil.example.net"]
"""


def walk(node, statuses):
    """Counts every request/response pair in a report document, by operation and status."""
    if isinstance(node, dict):
        request, response = node.get("request"), node.get("response")
        if isinstance(request, dict) and isinstance(response, dict) and "status_code" in response:
            path = request.get("uri", "").split("?")[0].rsplit("/", 1)[-1]
            statuses[f'{request.get("method", "?")} {path}'][response["status_code"]] += 1
        for value in node.values():
            walk(value, statuses)
    elif isinstance(node, list):
        for value in node:
            walk(value, statuses)


def summarize(report):
    """What the run sent and got, per operation: the figures docs/records/security-runs.md records."""
    statuses = collections.defaultdict(collections.Counter)
    with open(report) as lines:
        for line in lines:
            walk(json.loads(line), statuses)
    print(f"responses checked: {sum(sum(c.values()) for c in statuses.values())}")
    for operation in sorted(statuses):
        counts = ", ".join(f"{code}: {n}" for code, n in sorted(statuses[operation].items()))
        print(f"  {operation}: {counts}")


def main():
    max_examples = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "100")
    seed = os.environ.get("SCHEMATHESIS_SEED", "20261122")
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    report = Path(os.environ.get("SCHEMATHESIS_REPORT", target / "schemathesis" / "report.ndjson"))
    report = report.resolve()
    report.parent.mkdir(parents=True, exist_ok=True)
    binary = cargo_build_dev() / "chatpass"

    with tempfile.TemporaryDirectory() as work, Children(work) as children:
        work = Path(work)
        token = idp.make(work / "idp", ISSUER, AUDIENCE, sub="u-1001", email="alice@example.com",
                         name="Alice Smith", lifetime=1800)
        # The same JWKS on loopback, for OIDC back-channel logout tokens.
        jwks_port = free_port()
        jwks_server = children.start("jwks-server", [
            sys.executable, "-m", "http.server", jwks_port, "--bind", "127.0.0.1",
            "--directory", work / "idp"])
        wait_for_port(jwks_port, jwks_server)
        (work / "projects.json").write_text(
            json.dumps(projects(f"http://127.0.0.1:{jwks_port}/jwks.json"), indent=1))

        api_port = free_port()
        serve = start_serve(children, binary, api_port, [
            "--projects", work / "projects.json", "--jwks", work / "idp" / "jwks.json",
            "--issuer", ISSUER, "--audience", AUDIENCE], env=dict(os.environ, RUST_LOG="warn"))
        (work / "schemathesis.toml").write_text(
            CONFIG.format(hooks=ROOT / "scripts" / "schemathesis_hooks.py"))

        print(f"schemathesis: {max_examples} examples per operation and phase, seed {seed}, "
              f"against 127.0.0.1:{api_port}", flush=True)
        env = dict(os.environ, CHATPASS_ST_ID_TOKEN=token, CHATPASS_ST_CALLBACK_KEY=CALLBACK_KEY,
                   CHATPASS_ST_WEBHOOK_SECRET=WEBHOOK_SECRET)
        # From the work folder, where schemathesis keeps its own cache.
        status = subprocess.run([
            Path(sys.executable).parent / "st", "--config-file", work / "schemathesis.toml",
            "run", ROOT / "openapi.yaml", "--url", f"http://127.0.0.1:{api_port}",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                        "response_headers_conformance,response_schema_conformance",
            "--phases", "examples,coverage,fuzzing,stateful",
            "--max-examples", max_examples, "--seed", seed,
            "--workers", "1", "--request-timeout", "10", "--no-color",
            "--generation-database", "none",
            "--report", "ndjson", "--report-ndjson-path", report], cwd=work, env=env).returncode
        try:
            summarize(report)
        except (OSError, ValueError) as e:
            print(f"(no summary of {report}: {e})")
        if status != 0:
            print(f"--- chatpass serve's log (last 40 lines)\n{serve.tail(40)}", file=sys.stderr)
        sys.exit(status)


if __name__ == "__main__":
    main()
