#!/usr/bin/env bash
# Load with faults: `chatpass serve --secrets aws --store dynamodb:TABLE --jwks FILE` against a
# moto on loopback, under steady wrk load on the token route, while moto (Secrets Manager and
# DynamoDB both) is killed and, some seconds later, started again with its table and secret
# re-created. Reports requests served, answers by status (and by second, around the outage),
# and serve's memory: RSS before, peak during (VmHWM, reset after warm-up) and after.
#
# Fails (exit 1) when an answer other than 200 or 503 is seen, when the outage shows no 503,
# when no 200 comes back after moto does, or when serve dies. Loopback only; stops by itself.
#
# Usage: scripts/load-faults.sh
#   LOAD_SECONDS (60)  OUTAGE_AT (15)  OUTAGE_SECONDS (15)  SETTLE_SECONDS (10)
#   LOAD_CONNECTIONS (8)  LOAD_THREADS (1)
#   CHATPASS_BIN (default: the dev build, built here)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PY="$ROOT/.venv/bin/python"
MOTO="${CHATPASS_MOTO_SERVER:-$ROOT/.venv/bin/moto_server}"
LOAD_SECONDS="${LOAD_SECONDS:-60}"
OUTAGE_AT="${OUTAGE_AT:-15}"
OUTAGE_SECONDS="${OUTAGE_SECONDS:-15}"
SETTLE_SECONDS="${SETTLE_SECONDS:-10}"
LOAD_CONNECTIONS="${LOAD_CONNECTIONS:-8}"
LOAD_THREADS="${LOAD_THREADS:-1}"
ISSUER="https://idp.example.com/"
AUDIENCE="chatpass-load"
TABLE="chatpass-load"
PROJECT="load-jsm"

if [[ -z "${CHATPASS_BIN:-}" ]]; then
  cargo build --quiet -p chatpass
  CHATPASS_BIN="$CARGO_TARGET_DIR/debug/chatpass"
fi

WORK=$(mktemp -d)
MOTO_PID=""
SERVE_PID=""
cleanup() {
  local pid
  for pid in "$SERVE_PID" "$MOTO_PID" "${WRK_PID:-}" "${SAMPLER_PID:-}"; do
    [[ -n $pid ]] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

MOTO_PORT=$(free_port)
API_PORT=$(free_port)
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
unset AWS_PROFILE AWS_SESSION_TOKEN || true

start_moto() {
  "$MOTO" -H 127.0.0.1 -p "$MOTO_PORT" >>"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  local i
  for ((i = 0; i < 200; i++)); do
    if "$PY" -c "import urllib.request,sys; urllib.request.urlopen('$AWS_ENDPOINT_URL/moto-api/', timeout=1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "moto did not start; its log:" >&2
  tail -n 20 "$WORK/moto.log" >&2
  return 1
}

# The state table as template.yaml declares it (scripts/template_doc.py) and the project's
# secret, as SAM and an operator make them.
provision() {
  "$PY" - "$TABLE" "$PROJECT" "$ROOT/scripts" <<'PYEOF'
import json, sys
import boto3
table, project = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
import template_doc
template_doc.create_state_table(boto3.client("dynamodb"), table)
boto3.client("secretsmanager").create_secret(
    Name=f"chatpass/projects/{project}",
    SecretString=json.dumps({"vendor": "jsm-chat", "key": "jsm-chat-load-secret-0123456789abcdef"}))
PYEOF
}

rss_kib() { awk -v f="$1" '$1 == f":" {print $2}' "/proc/$SERVE_PID/status"; }

start_moto
provision
ID_TOKEN=$("$PY" scripts/idp.py "$WORK/idp" --issuer "$ISSUER" --audience "$AUDIENCE" --lifetime 3600)

RUST_LOG=error "$CHATPASS_BIN" serve --addr "127.0.0.1:$API_PORT" --secrets aws \
  --store "dynamodb:$TABLE" --jwks "$WORK/idp/jwks.json" --issuer "$ISSUER" --audience "$AUDIENCE" \
  >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for ((i = 0; i < 200; i++)); do
  (exec 3<>"/dev/tcp/127.0.0.1/$API_PORT") 2>/dev/null && break
  sleep 0.1
done
URL="http://127.0.0.1:$API_PORT/v1/projects/$PROJECT/token"
if ! "$PY" - "$URL" "$ID_TOKEN" <<'PYEOF'; then
import sys, urllib.error, urllib.request
request = urllib.request.Request(sys.argv[1], method="POST", data=b"",
                                 headers={"Authorization": f"Bearer {sys.argv[2]}"})
try:
    urllib.request.urlopen(request, timeout=10)
except urllib.error.HTTPError as e:
    sys.exit(f"the first request answered {e.code}: {e.read().decode()}")
PYEOF
  tail -n 20 "$WORK/serve.log" >&2
  exit 1
fi

cat >"$WORK/load.lua" <<'LUAEOF'
-- POST token with the identity token; counts answers by status, overall and by second.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} ; started = os.time() end
function response(status, headers, body)
  local key = string.format("%d:%d", os.time() - started, status)
  counts[key] = (counts[key] or 0) + 1
end
function done(summary, latency, requests)
  local out = io.open(os.getenv("LOAD_COUNTS"), "w")
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do out:write(key, " ", n, "\n") end
  end
  out:close()
end
LUAEOF

# Warm-up, then the peak is measured from here.
LOAD_TOKEN="$ID_TOKEN" LOAD_COUNTS="$WORK/warm-up.txt" \
  wrk -t1 -c2 -d3s -s "$WORK/load.lua" "$URL" >/dev/null 2>&1 || true
sleep 1
RSS_BEFORE=$(rss_kib VmRSS)
echo 5 >"/proc/$SERVE_PID/clear_refs" 2>/dev/null || true

echo "load: ${LOAD_SECONDS}s on POST /token, ${LOAD_CONNECTIONS} connections; moto killed at ${OUTAGE_AT}s for ${OUTAGE_SECONDS}s"
LOAD_TOKEN="$ID_TOKEN" LOAD_COUNTS="$WORK/counts.txt" \
  wrk -t"$LOAD_THREADS" -c"$LOAD_CONNECTIONS" -d"${LOAD_SECONDS}s" --timeout 10s --latency \
  -s "$WORK/load.lua" "$URL" >"$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
LOAD_START=$(date +%s.%N)
since() { "$PY" -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$LOAD_START" "$(date +%s.%N)"; }
sleep_until() { "$PY" -c "import sys, time; time.sleep(max(0.0, float(sys.argv[1]) + float(sys.argv[2]) - time.time()))" "$LOAD_START" "$1"; }
( while kill -0 "$WRK_PID" 2>/dev/null; do echo "$(rss_kib VmRSS)"; sleep 1; done ) >"$WORK/rss.txt" &
SAMPLER_PID=$!
sleep_until "$OUTAGE_AT"
kill -9 "$MOTO_PID" 2>/dev/null || true
wait "$MOTO_PID" 2>/dev/null || true
DOWN_AT=$(since)
echo "  ${DOWN_AT}s: moto killed"
sleep_until "$((OUTAGE_AT + OUTAGE_SECONDS))"
start_moto
UP_AT=$(since)
echo "  ${UP_AT}s: moto answering again (empty)"
provision
READY_AT=$(since)
echo "  ${READY_AT}s: table and secret re-created"
wait "$WRK_PID"
wait "$SAMPLER_PID" 2>/dev/null || true
RSS_PEAK=$(rss_kib VmHWM)
sleep "$SETTLE_SECONDS"
RSS_AFTER=$(rss_kib VmRSS)

echo
sed -n '/Latency Distribution/,$p' "$WORK/wrk.txt" | grep -v '^Requests/sec\|^Transfer/sec' || true
grep -E 'requests in|Socket errors|Requests/sec' "$WORK/wrk.txt" || true

"$PY" - "$WORK/counts.txt" "$DOWN_AT" "$UP_AT" "$READY_AT" "$RSS_BEFORE" "$RSS_PEAK" "$RSS_AFTER" "$WORK/rss.txt" <<'PYEOF'
import collections, sys
path, down_at, up_at, ready_at = sys.argv[1], *(float(x) for x in sys.argv[2:5])
before, peak, after = (int(x) for x in sys.argv[5:8])
samples = [int(x) for x in open(sys.argv[8]).read().split()]
by_status, by_second = collections.Counter(), collections.defaultdict(collections.Counter)
for line in open(path):
    key, n = line.split()
    second, status = (int(x) for x in key.split(":"))
    by_status[status] += int(n)
    by_second[second][status] += int(n)
total = sum(by_status.values())
print(f"\nanswers: {total}  " + "  ".join(f"{s}: {n}" for s, n in sorted(by_status.items())))
print("by second (status: count):")
for second in sorted(by_second):
    mark = (" <- moto down" if down_at < second + 1 and second < up_at
            else " <- moto up, table not yet re-created" if up_at < second + 1 and second < ready_at
            else "")
    print(f"  {second:3d}s  " + "  ".join(f"{s}: {n}" for s, n in sorted(by_second[second].items())) + mark)
print(f"moto killed at {down_at}s, answering at {up_at}s, table and secret back at {ready_at}s")
print(f"serve RSS: before {before / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB (VmHWM), "
      f"after {after / 1024:.1f} MiB; sampled each second under load: "
      f"{min(samples) / 1024:.1f}-{max(samples) / 1024:.1f} MiB")
failures = []
if set(by_status) - {200, 503}:
    failures.append(f"answers other than 200 and 503: {sorted(set(by_status) - {200, 503})}")
if not by_status[503]:
    failures.append("no 503 while moto was down")
last = max(by_second) if by_second else 0
if ready_at + 2 > last:
    failures.append(f"moto was back only at {ready_at}s of {last}s: run longer (LOAD_SECONDS)")
if not any(by_second[s][200] for s in range(int(ready_at) + 1, last + 1)):
    failures.append("no 200 after moto came back")
for failure in failures:
    print(f"FAIL: {failure}")
sys.exit(1 if failures else 0)
PYEOF
if ! kill -0 "$SERVE_PID" 2>/dev/null; then
  echo "FAIL: chatpass serve died" >&2
  exit 1
fi
echo "load-faults: ok"
