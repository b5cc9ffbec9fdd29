#!/usr/bin/env bash
# Checks `chatpass serve` against openapi.yaml with schemathesis: no 5xx, every status
# documented for its operation, every response body and header as documented.
#
# Serve runs with a projects file (a JWT vendor, a hash vendor, Sprinklr's custom-user and
# cookie modes, a Salesforce project with a made-up RSA key whose public key jwks.json
# publishes, webhook secrets, callback keys, an OIDC logout JWKS served on loopback) and a
# JWKS from scripts/idp.py, whose identity token and the projects' callback key are given to
# schemathesis per security scheme; scripts/schemathesis_hooks.py signs the webhook deliveries.
# Loopback only; bounded by --max-examples.
#
# Usage: scripts/schemathesis.sh   (scripts/test.sh runs it; needs .venv with schemathesis)
#   SCHEMATHESIS_MAX_EXAMPLES (default 100) examples per operation and phase
#   SCHEMATHESIS_SEED         (default 20261122) for a reproducible run
#   SCHEMATHESIS_REPORT       (default target/schemathesis/report.ndjson) every request and response
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PY="$ROOT/.venv/bin/python"
ST="$ROOT/.venv/bin/st"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
SEED="${SCHEMATHESIS_SEED:-20261122}"
REPORT=$(realpath -m "${SCHEMATHESIS_REPORT:-$CARGO_TARGET_DIR/schemathesis/report.ndjson}")
ISSUER="https://idp.example.com/"
AUDIENCE="chatpass-schemathesis"
CALLBACK_KEY="cbk-schemathesis-0123456789abcdefghij"
WEBHOOK_SECRET="whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="

cargo build --quiet -p chatpass
mkdir -p "$(dirname "$REPORT")"
BIN="$CARGO_TARGET_DIR/debug/chatpass"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() {
  local port=$1 i
  for ((i = 0; i < 200; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$port" >&2
  return 1
}

# The identity provider: a JWKS file for serve and a token for schemathesis.
ID_TOKEN=$("$PY" scripts/idp.py "$WORK/idp" --issuer "$ISSUER" --audience "$AUDIENCE" \
  --sub u-1001 --email alice@example.com --name "Alice Smith" --lifetime 1800)

# The same JWKS on loopback, for OIDC back-channel logout tokens.
JWKS_PORT=$(free_port)
"$PY" -m http.server "$JWKS_PORT" --bind 127.0.0.1 --directory "$WORK/idp" >"$WORK/jwks-server.log" 2>&1 &
PIDS+=($!)
wait_for_port "$JWKS_PORT"

# A made-up RSA key as a JSON string, for the project that publishes its public key.
RSA_KEY_JSON=$("$PY" -c 'import json, sys; print(json.dumps(open(sys.argv[1]).read()))' \
  shared/signing/tests/keys/rsa-2048.pem)

cat >"$WORK/projects.json" <<EOF
{
  "st-keys": {
    "vendor": "salesforce-miaw", "key": $RSA_KEY_JSON, "key_id": "st-k1",
    "options": {"issuer": "https://www.example.com"},
    "allowed_origins": ["https://www.example.com"],
    "callback_keys": ["$CALLBACK_KEY"], "webhook_secrets": ["$WEBHOOK_SECRET"]
  },
  "st-jwt": {
    "vendor": "jsm-chat", "key": "jsm-chat-secret-0123456789abcdef",
    "allowed_origins": ["https://www.example.com"],
    "allowed_email_domains": ["example.com"],
    "callback_keys": ["$CALLBACK_KEY"], "webhook_secrets": ["$WEBHOOK_SECRET"]
  },
  "st-hash": {
    "vendor": "intercom", "key": "intercom-idv-secret-0123456789",
    "allowed_origins": ["https://www.example.com"],
    "callback_keys": ["$CALLBACK_KEY"], "webhook_secrets": ["$WEBHOOK_SECRET"],
    "oidc_logout": {"issuer": "$ISSUER", "audience": "$AUDIENCE", "jwks_url": "http://127.0.0.1:$JWKS_PORT/jwks.json"}
  },
  "st-custom": {
    "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
    "options": {"mode": "custom-user"},
    "allowed_origins": ["https://www.example.com"],
    "callback_keys": ["$CALLBACK_KEY"], "webhook_secrets": ["$WEBHOOK_SECRET"]
  },
  "st-cookie": {
    "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
    "options": {"mode": "cookie"}, "cookie_domain": ".example.com",
    "allowed_origins": ["https://www.example.com"],
    "callback_keys": ["$CALLBACK_KEY"], "webhook_secrets": ["$WEBHOOK_SECRET"]
  }
}
EOF

API_PORT=$(free_port)
RUST_LOG=warn "$BIN" serve --addr "127.0.0.1:$API_PORT" --projects "$WORK/projects.json" \
  --jwks "$WORK/idp/jwks.json" --issuer "$ISSUER" --audience "$AUDIENCE" >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
wait_for_port "$API_PORT"

# Projects drawn from the file most of the time (so every status of a known project shows),
# else generated from the pattern (unknown projects).
cat >"$WORK/schemathesis.toml" <<EOF
hooks = "$ROOT/scripts/schemathesis_hooks.py"

[auth.openapi.identityToken]
bearer = "\${CHATPASS_ST_ID_TOKEN}"

[auth.openapi.callbackKey]
bearer = "\${CHATPASS_ST_CALLBACK_KEY}"

[dictionaries.projects]
values = ["st-jwt", "st-hash", "st-custom", "st-cookie", "st-keys"]

[parameters]
"path.project" = { dictionary = "projects", probability = 0.8 }
"header.Origin" = { dictionary = "origins", probability = 0.7 }

[dictionaries.origins]
values = ["https://www.example.com", "https://evil.example.net"]
EOF

echo "schemathesis: $MAX_EXAMPLES examples per operation and phase, seed $SEED, against 127.0.0.1:$API_PORT"
status=0
# From $WORK, where schemathesis keeps its own cache.
(cd "$WORK" && CHATPASS_ST_ID_TOKEN="$ID_TOKEN" CHATPASS_ST_CALLBACK_KEY="$CALLBACK_KEY" \
  CHATPASS_ST_WEBHOOK_SECRET="$WEBHOOK_SECRET" \
  "$ST" --config-file "$WORK/schemathesis.toml" run "$ROOT/openapi.yaml" \
  --url "http://127.0.0.1:$API_PORT" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
  --workers 1 --request-timeout 10 --no-color --generation-database none \
  --report ndjson --report-ndjson-path "$REPORT") || status=$?
"$PY" - "$REPORT" <<'PYEOF' || true
# What the run sent and got, per operation: the figures SECURITY.md quotes.
import collections, json, sys
statuses = collections.defaultdict(collections.Counter)
def walk(node):
    if isinstance(node, dict):
        if "request" in node and "response" in node and isinstance(node.get("response"), dict):
            req, resp = node["request"], node["response"]
            if isinstance(req, dict) and "status_code" in resp:
                path = req.get("uri", "").split("?")[0].rsplit("/", 1)[-1]
                statuses[f'{req.get("method", "?")} {path}'][resp["status_code"]] += 1
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
with open(sys.argv[1]) as lines:
    for line in lines:
        walk(json.loads(line))
total = sum(sum(c.values()) for c in statuses.values())
print(f"responses checked: {total}")
for operation in sorted(statuses):
    counts = ", ".join(f"{code}: {n}" for code, n in sorted(statuses[operation].items()))
    print(f"  {operation}: {counts}")
PYEOF
if ((status != 0)); then
  echo "--- chatpass serve's log (last 40 lines)" >&2
  tail -n 40 "$WORK/serve.log" >&2
fi
exit "$status"
