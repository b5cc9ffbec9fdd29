"""Peak RSS (VmHWM) of the four function binaries, as used to size the Lambda memory in
template.yaml (BENCHMARKS.md, "Deploy").

Each binary starts cold against `cargo lambda watch --only-lambda-apis` (the Lambda Runtime
API) and moto (Secrets Manager, DynamoDB), answers N invocations of its real path, and its
/proc/<pid>/status VmHWM is read before it is stopped:
  issue-jwt              N tokens for N users (Secrets Manager, GetItem)
  hash-user              N custom-user sessions (GetItem, PutItem)
  user-details-callback  N callbacks for those sessions (AWSCURRENT + AWSPREVIOUS, GetItem x2)
  logout-webhook         N signed logout deliveries (TransactWriteItems)

Usage, from the workspace root with the test venv (scripts/test.sh makes it):
  cargo build --release -p issue-jwt -p hash-user -p user-details-callback -p logout-webhook
  .venv/bin/python scripts/lambda_rss.py "$CARGO_TARGET_DIR/release" [N]
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import moto_provision
from local_run import status_kib
from local_run import Children, free_port, wait_for_port

WEBHOOK_SECRET = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
CALLBACK_KEY = "cb-key-0123456789abcdefghijklmnop"
TABLE = "chatpass-rss"


def fixture(function, name):
    with open(f"functions/{function}/events/{name}.json") as f:
        return json.load(f)


def main():
    bin_dir = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    runtime_port = free_port()
    with tempfile.TemporaryDirectory() as work, Children(work) as children:
        _, moto_url = moto_provision.start(children, free_port())
        watch = children.start("cargo-lambda", [
            Path(sys.executable).parent / "cargo-lambda", "lambda", "watch", "--only-lambda-apis",
            "--invoke-port", runtime_port])
        wait_for_port(runtime_port, watch, seconds=30)
        measure(bin_dir, n, moto_url, runtime_port)


def measure(bin_dir, n, moto_url, runtime_port):
    moto_provision.provision(moto_url, TABLE, {
        "acme-jsm": {"vendor": "jsm-chat", "key": "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz",
                     "allowed_origins": ["https://www.example.com"]},
        "acme-sprinklr": {"vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
                          "options": {"mode": "custom-user"},
                          "allowed_origins": ["https://www.example.com"],
                          "callback_keys": [CALLBACK_KEY], "webhook_secrets": [WEBHOOK_SECRET]}})
    _, dynamodb = moto_provision.clients(moto_url)

    def run(binary, event_for):
        env = dict(
            os.environ, **moto_provision.sdk_environment(moto_url, TABLE),
            AWS_LAMBDA_RUNTIME_API=f"http://127.0.0.1:{runtime_port}/.rt",
            AWS_LAMBDA_FUNCTION_NAME="_", AWS_LAMBDA_FUNCTION_VERSION="1",
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", RUST_LOG="info",
        )
        process = subprocess.Popen([os.path.join(bin_dir, binary)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        statuses = {}
        try:
            for i in range(n):
                request = urllib.request.Request(
                    f"http://127.0.0.1:{runtime_port}/2015-03-31/functions/_/invocations",
                    data=json.dumps(event_for(i)).encode(), method="POST")
                with urllib.request.urlopen(request, timeout=60) as response:
                    status = json.load(response)["statusCode"]
                statuses[status] = statuses.get(status, 0) + 1
            hwm = status_kib(process.pid, "VmHWM")
        finally:
            process.kill()
            process.wait()
        print(f"{binary:22} VmHWM {hwm / 1024:5.1f} MiB after {n} invocations, "
              f"statuses {statuses}", flush=True)

    now = int(time.time())

    def with_user(event, i):
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        claims.update(sub=f"u-{i}", iat=str(now - 10), exp=str(now + 3600))
        return event

    run("issue-jwt", lambda i: with_user(fixture("issue-jwt", "token"), i))
    run("hash-user", lambda i: with_user(fixture("hash-user", "user-hash"), i))

    items = dynamodb.scan(TableName=TABLE)["Items"]
    references = [i["pk"]["S"].rsplit("#", 1)[1] for i in items
                  if i["pk"]["S"].startswith("session#")]

    def details(i):
        event = fixture("user-details-callback", "user-details")
        event["body"] = json.dumps({"token": references[i % len(references)]})
        return event

    run("user-details-callback", details)

    def logout(i):
        event = fixture("logout-webhook", "logout-webhook")
        body = json.dumps({"type": "user.logged_out", "data": {"user_id": f"u-{i}"}})
        delivery, timestamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
        key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
        mac = hmac.new(key, f"{delivery}.{timestamp}.{body}".encode(), hashlib.sha256)
        event["body"] = body
        event["headers"].update({
            "webhook-id": delivery, "webhook-timestamp": timestamp,
            "webhook-signature": "v1," + base64.b64encode(mac.digest()).decode()})
        return event

    run("logout-webhook", logout)


if __name__ == "__main__":
    main()
