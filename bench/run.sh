#!/usr/bin/env bash
# Issue 8's measurements in one run, on this machine: chatpass against what brands write today
# (Node + jsonwebtoken), against the floor (a bare hyper server doing only the cryptography),
# in process against raw HMAC, cold starts against an empty Rust Lambda, Secrets Manager
# calls under load, and jsonwebtoken's two crypto backends. Prints one line per figure and
# ends with one `ratios:` line. Everything listens on 127.0.0.1 only, and every load run is
# bounded in time. How to read the figures: BENCHMARKS.md, "Performance against Node and the
# floor (issue 8)".
#
# Knobs (environment): BENCH_OUT (bench/target/run) is where the outputs go; BUILD=0 reuses
# the builds; WRK_THREADS (1), WRK_CONNECTIONS (32),
# WRK_DURATION (15 s), WRK_WARMUP (3 s); COLD_RUNS (30); SECRETS_DURATION (20 s),
# SECRETS_CONNECTIONS (16), SHORT_TTL (5 s); CRITERION_ARGS; QUIET_LOAD (0.7) and
# QUIET_WAIT_MINUTES (0: do not wait) to wait, after building, for the 1-minute load average
# to fall below QUIET_LOAD before measuring.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
MAIN_TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BENCH_TARGET="$BENCH/target"
OUT="${BENCH_OUT:-$BENCH_TARGET/run}"

BUILD="${BUILD:-1}"
WRK_THREADS="${WRK_THREADS:-1}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-32}"
WRK_DURATION="${WRK_DURATION:-15}"
WRK_WARMUP="${WRK_WARMUP:-3}"
COLD_RUNS="${COLD_RUNS:-30}"
SECRETS_PROJECTS=50
SECRETS_DURATION="${SECRETS_DURATION:-20}"
SECRETS_CONNECTIONS="${SECRETS_CONNECTIONS:-16}"
SHORT_TTL="${SHORT_TTL:-5}"
CRITERION_ARGS="${CRITERION_ARGS:---warm-up-time 2 --measurement-time 5}"
QUIET_LOAD="${QUIET_LOAD:-0.7}"
QUIET_WAIT_MINUTES="${QUIET_WAIT_MINUTES:-0}"

ISSUER="https://idp.example.com/"
AUDIENCE="chatpass"
ORIGIN="https://www.example.com"
JSM_KEY="dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz"
WEBHOOK_SECRET="whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
TABLE="chatpass-bench"
VENV="$ROOT/.venv/bin"
FUNCTIONS=(issue-jwt hash-user user-details-callback logout-webhook)

mkdir -p "$OUT"
: > "$OUT/figures.txt"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# One figure per line, also kept in $OUT/figures.txt.
figure() { echo "$1=$2${3:+ $3}" | tee -a "$OUT/figures.txt"; }
note() { echo "# $*" | tee -a "$OUT/figures.txt"; }
section() { note "$1 ($(date -u +%FT%TZ), loadavg $(cut -d' ' -f1-3 /proc/loadavg))"; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # url: until something answers, at most 20 s
    for _ in $(seq 200); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "nothing answers on $1" >&2
    return 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- build
if [ "$BUILD" = 1 ]; then
    note "building (release profile: LTO, codegen-units 1)"
    (cd "$ROOT" && CARGO_TARGET_DIR="$MAIN_TARGET" nice -n 10 cargo build --release --quiet \
        -p chatpass -p issue-jwt -p hash-user -p user-details-callback -p logout-webhook)
    (cd "$ROOT" && CARGO_TARGET_DIR="$MAIN_TARGET" nice -n 10 cargo bench --quiet --no-run \
        -p issue-jwt -p hash-user --bench handler 2>/dev/null)
    (cd "$BENCH" && CARGO_TARGET_DIR="$BENCH_TARGET" nice -n 10 cargo build --release --quiet)
    (cd "$BENCH/baseline-node" && npm ci --no-audit --no-fund --silent)
fi
CHATPASS="$MAIN_TARGET/release/chatpass"
FLOOR="$BENCH_TARGET/release/floor"
EMU="$BENCH_TARGET/release/lambda-emu"
# Each function's release binary as the `bootstrap` a provided.al2023 Lambda runs (x86_64
# here; the deployed ones are arm64), and the hello-world Lambda beside them.
for name in "${FUNCTIONS[@]}" hello; do
    mkdir -p "$OUT/lambda/$name"
    if [ "$name" = hello ]; then bin="$BENCH_TARGET/release/hello"; else bin="$MAIN_TARGET/release/$name"; fi
    cp "$bin" "$OUT/lambda/$name/bootstrap"
done

# ---------------------------------------------------------------- the run's IdP and project
node "$BENCH/idp.js" "$OUT" "$ISSUER" "$AUDIENCE" >/dev/null
TOKEN="$(cat "$OUT/id-token")"
export BENCH_TOKEN="$TOKEN" BENCH_PROJECTS="$SECRETS_PROJECTS"
cat > "$OUT/projects.json" <<EOF
{"acme-jsm": {"vendor": "jsm-chat", "key": "$JSM_KEY", "allowed_origins": ["$ORIGIN"]}}
EOF

# ---------------------------------------------------------------- wait for a quiet machine
if [ "$QUIET_WAIT_MINUTES" != 0 ]; then
    deadline=$(( $(date +%s) + QUIET_WAIT_MINUTES * 60 ))
    while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l >= q) }' \
        && [ "$(date +%s)" -lt "$deadline" ]; do
        sleep 30
    done
fi
note "run $(date -u +%FT%TZ) on $(nproc) cores, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') (+ working tree)"
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l >= q) }'; then
    note "NOT QUIET: the 1-minute load is $(cut -d' ' -f1 /proc/loadavg) (>= $QUIET_LOAD) as measuring starts; other work shares the cores"
fi

# ---------------------------------------------------------------- HTTP: serve, Node, floor
declare -A RPS P50 P99 ERRORS RSS
# What a server answers to the request: its status, JSON paths and the JSM token's claims.
shape() {
    curl -s -w '\n%{http_code}' -XPOST -H "Authorization: Bearer $TOKEN" -H "Origin: $ORIGIN" "$1" |
        python3 -c '
import base64, json, sys
*body, status = sys.stdin.read().split("\n")
doc = json.loads("\n".join(body))
token = doc["settings"]["token"]
claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
paths = ",".join(["vendor=" + doc["vendor"], "settings.token", "expires_at"] if set(doc) == {"vendor", "settings", "expires_at"} and set(doc["settings"]) == {"token"} else sorted(doc))
print("status=%s answer=%s claims=%s" % (status, paths, "+".join(claims)))'
}

# load LABEL PID URL: a warm-up, then the measured wrk run; throughput, p50, p99, errors,
# and the server's peak RSS (VmHWM) after both.
load() {
    local label=$1 pid=$2 url=$3 file="$OUT/wrk-$1.txt"
    figure "http.$label.answer" "$(shape "$url")"
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${WRK_WARMUP}s" -s "$BENCH/wrk/token.lua" "$url" >/dev/null
    local ticks_before ticks_after
    ticks_before=$(cpu_ticks "$pid")
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${WRK_DURATION}s" --timeout 5s --latency \
        -s "$BENCH/wrk/token.lua" "$url" >"$file"
    ticks_after=$(cpu_ticks "$pid")
    RSS[$label]=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
    RPS[$label]=$(awk '/^Requests\/sec:/ { print $2 }' "$file")
    P50[$label]=$(wrk_ms "$(awk '$1 == "50%" { print $2 }' "$file")")
    P99[$label]=$(wrk_ms "$(awk '$1 == "99%" { print $2 }' "$file")")
    local requests non2xx socket
    requests=$(awk '/requests in/ { print $1 }' "$file")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$file")
    socket=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$file")
    ERRORS[$label]=$(( ${non2xx:-0} + ${socket:-0} ))
    figure "http.$label.requests" "$requests"
    figure "http.$label.throughput_rps" "${RPS[$label]}"
    figure "http.$label.p50_ms" "${P50[$label]}"
    figure "http.$label.p99_ms" "${P99[$label]}"
    figure "http.$label.errors" "${ERRORS[$label]}"
    figure "http.$label.cpu_us_per_request" "$(calc "($ticks_after - $ticks_before) * 1000000 / $(getconf CLK_TCK) / $requests" 1)" "(the server's user+system CPU time / requests)"
    figure "http.$label.peak_rss_mib" "$(calc "${RSS[$label]} / 1024" 1)"
}
# The process's user + system CPU time so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wrk_ms() { awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else print "?" }'; }

section "HTTP: POST /v1/projects/acme-jsm/token, wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${WRK_DURATION}s after ${WRK_WARMUP}s warm-up"
port=$(free_port)
"$CHATPASS" serve --addr "127.0.0.1:$port" --projects "$OUT/projects.json" \
    --jwks "$OUT/jwks.json" --issuer "$ISSUER" --audience "$AUDIENCE" >/dev/null 2>"$OUT/serve.err" &
pid=$!; PIDS+=("$pid")
wait_http "http://127.0.0.1:$port/"
load serve "$pid" "http://127.0.0.1:$port/v1/projects/acme-jsm/token"
stop "$pid"

port=$(free_port)
node "$BENCH/baseline-node/server.js" "$port" "$OUT/idp-public.pem" "$ISSUER" "$AUDIENCE" \
    "$JSM_KEY" "$ORIGIN" >/dev/null 2>"$OUT/node.err" &
pid=$!; PIDS+=("$pid")
wait_http "http://127.0.0.1:$port/"
load node "$pid" "http://127.0.0.1:$port/v1/projects/acme-jsm/token"
stop "$pid"

for backend in aws-lc rust-crypto; do
    port=$(free_port)
    "$FLOOR" serve --addr "127.0.0.1:$port" --jwks "$OUT/jwks.json" --issuer "$ISSUER" \
        --audience "$AUDIENCE" --key "$JSM_KEY" --backend "$backend" >/dev/null 2>"$OUT/floor.err" &
    pid=$!; PIDS+=("$pid")
    wait_http "http://127.0.0.1:$port/"
    label=floor; [ "$backend" = aws-lc ] || label="floor-$backend"
    load "$label" "$pid" "http://127.0.0.1:$port/v1/projects/acme-jsm/token"
    stop "$pid"
done

# ---------------------------------------------------------------- jsonwebtoken backends in process
section "jsonwebtoken backends in process: floor selftest (RS256 verify of the identity token, HS256 sign of the JSM token)"
for backend in aws-lc rust-crypto; do
    line=$("$FLOOR" selftest --backend "$backend" --token "$TOKEN" --jwks "$OUT/jwks.json" \
        --issuer "$ISSUER" --audience "$AUDIENCE" --key "$JSM_KEY" --iterations 20000)
    figure "jwt.$backend.rs256_verify_us" "$(calc "$(sed 's/.*rs256_verify_ns=\([0-9]*\).*/\1/' <<<"$line") / 1000" 2)"
    figure "jwt.$backend.hs256_sign_us" "$(calc "$(sed 's/.*hs256_sign_ns=\([0-9]*\).*/\1/' <<<"$line") / 1000" 2)"
done

# ---------------------------------------------------------------- handlers in process
section "handlers in process (criterion, $CRITERION_ARGS)"
median_ns() { jq '.median.point_estimate' "$MAIN_TARGET/criterion/$1/new/estimates.json"; }
(cd "$ROOT" && CARGO_TARGET_DIR="$MAIN_TARGET" cargo bench --quiet -p issue-jwt --bench handler -- $CRITERION_ARGS) \
    >"$OUT/criterion-issue-jwt.txt" 2>&1
(cd "$ROOT" && CARGO_TARGET_DIR="$MAIN_TARGET" cargo bench --quiet -p hash-user --bench handler -- $CRITERION_ARGS) \
    >"$OUT/criterion-hash-user.txt" 2>&1
declare -A HANDLER_RATIO
for pair in "issue-jwt jsm-chat" "hash-user sprinklr"; do
    set -- $pair
    handler=$(median_ns "handler $1 $2")
    hmac=$(median_ns "raw hmac-sha256 $2 input")
    HANDLER_RATIO[$1]=$(calc "$handler / $hmac" 1)
    figure "inprocess.$1.handler_us" "$(calc "$handler / 1000" 2)"
    figure "inprocess.$1.raw_hmac_us" "$(calc "$hmac / 1000" 3)"
    figure "inprocess.$1.handler_vs_hmac" "${HANDLER_RATIO[$1]}"
done

# ---------------------------------------------------------------- moto
section "moto (Secrets Manager, DynamoDB) for the cold starts and the secrets run"
MOTO_PORT=$(free_port)
MOTO="http://127.0.0.1:$MOTO_PORT"
MOTO_ENABLE_RECORDING=true MOTO_RECORDER_FILEPATH="$OUT/moto-requests.jsonl" \
    "$VENV/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$OUT/moto.log" 2>&1 &
MOTO_PID=$!; PIDS+=("$MOTO_PID")
wait_http "$MOTO/moto-api/"
"$VENV/python" "$BENCH/moto_setup.py" "$MOTO" "$TABLE" "$SECRETS_PROJECTS" >/dev/null
export AWS_ENDPOINT_URL="$MOTO" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
    CHATPASS_TABLE="$TABLE"
recorded() { grep -c "$1" "$OUT/moto-requests.jsonl" || true; }
reset_recording() { curl -s -XPOST "$MOTO/moto-api/recorder/reset-recording" >/dev/null; }

# ---------------------------------------------------------------- cold starts
section "cold starts: $COLD_RUNS starts of each bootstrap in turn against bench/lambda-emu (x86_64)"
# The logout webhook logs out a user nobody else signs in as, so every run of the others
# answers as the first did.
jq '.body = "{\"type\":\"user.logged_out\",\"data\":{\"user_id\":\"u-bench-logout\"}}"' \
    "$ROOT/functions/logout-webhook/events/logout-webhook.json" >"$OUT/logout-webhook-event.json"
cat > "$OUT/cold-plan.json" <<EOF
[
  {"name": "hello", "bin": "$OUT/lambda/hello/bootstrap", "event": "$ROOT/functions/issue-jwt/events/token.json"},
  {"name": "issue-jwt", "bin": "$OUT/lambda/issue-jwt/bootstrap", "event": "$ROOT/functions/issue-jwt/events/token.json"},
  {"name": "hash-user", "bin": "$OUT/lambda/hash-user/bootstrap", "event": "$ROOT/functions/hash-user/events/user-hash.json"},
  {"name": "user-details-callback", "bin": "$OUT/lambda/user-details-callback/bootstrap", "event": "$ROOT/functions/user-details-callback/events/user-details.json"},
  {"name": "logout-webhook", "bin": "$OUT/lambda/logout-webhook/bootstrap", "event": "$OUT/logout-webhook-event.json", "webhook_secret": "$WEBHOOK_SECRET"}
]
EOF
: > "$OUT/cold-start.log"
# provided.al2023 sets no SSL_CERT_DIR (its roots are one bundle file); this machine sets both,
# which would make the SDK read every file in /etc/ssl/certs as well.
env -u SSL_CERT_DIR "$EMU" --plan "$OUT/cold-plan.json" --runs "$COLD_RUNS" --log "$OUT/cold-start.log" >"$OUT/cold-start.jsonl"
cold() { jq -r --arg n "$1" "select(.name == \$n) | $2" "$OUT/cold-start.jsonl"; }
HELLO_INIT=$(cold hello '.init_ms.median')
COLD_WORST=0
for name in hello "${FUNCTIONS[@]}"; do
    figure "cold.$name.init_ms" "$(cold "$name" '.init_ms.median')" "(median; p90 $(cold "$name" '.init_ms.p90'), min $(cold "$name" '.init_ms.min'))"
    figure "cold.$name.first_response_ms" "$(cold "$name" '.first_response_ms.median')" "(median; p90 $(cold "$name" '.first_response_ms.p90'); status $(cold "$name" '.statuses | map(tostring) | join(",")'); ok $(cold "$name" '.ok_runs')/$COLD_RUNS)"
    if [ "$name" != hello ]; then
        ratio=$(calc "$(cold "$name" '.init_ms.median') / $HELLO_INIT" 2)
        figure "cold.$name.init_vs_hello" "$ratio"
        COLD_WORST=$(calc "($ratio > $COLD_WORST) ? $ratio : $COLD_WORST" 2)
    fi
done

# ---------------------------------------------------------------- secrets on the hot path
# secrets_run LABEL TTL: serve over Secrets Manager and DynamoDB on moto, wrk over the 50
# projects in turn, GetSecretValue calls counted by moto's recorder.
secrets_run() {
    local label=$1 ttl=$2 port file="$OUT/wrk-secrets-$1.txt"
    port=$(free_port)
    reset_recording
    CHATPASS_CONFIG_TTL_SECONDS=$ttl "$CHATPASS" serve --addr "127.0.0.1:$port" --secrets aws \
        --store "dynamodb:$TABLE" --jwks "$OUT/jwks.json" --issuer "$ISSUER" --audience "$AUDIENCE" \
        >/dev/null 2>"$OUT/serve-secrets.err" &
    local pid=$!; PIDS+=("$pid")
    wait_http "http://127.0.0.1:$port/"
    wrk -t"$WRK_THREADS" -c"$SECRETS_CONNECTIONS" -d"${SECRETS_DURATION}s" --timeout 5s --latency \
        -s "$BENCH/wrk/projects.lua" "http://127.0.0.1:$port" >"$file"
    stop "$pid"
    local requests calls items non2xx socket windows
    requests=$(awk '/requests in/ { print $1 }' "$file")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$file")
    socket=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$file")
    calls=$(recorded 'secretsmanager.GetSecretValue')
    items=$(recorded 'DynamoDB_20120810.GetItem')
    windows=$(( (SECRETS_DURATION + ttl - 1) / ttl ))
    figure "secrets.$label.requests" "$requests" "(${SECRETS_PROJECTS} projects, ${SECRETS_DURATION}s, -c$SECRETS_CONNECTIONS, config TTL ${ttl}s)"
    figure "secrets.$label.errors" "$(( ${non2xx:-0} + ${socket:-0} ))"
    figure "secrets.$label.get_secret_value_calls" "$calls"
    figure "secrets.$label.get_secret_value_per_10k_requests" "$(calc "$calls * 10000 / $requests" 1)"
    figure "secrets.$label.get_secret_value_per_project_per_ttl" "$(calc "$calls / ($SECRETS_PROJECTS * $windows)" 2)" "($windows TTL windows in the run)"
    figure "secrets.$label.dynamodb_get_item_per_request" "$(calc "$items / $requests" 2)"
}
section "secrets on the hot path: serve --secrets aws --store dynamodb:$TABLE against moto"
secrets_run default-ttl 300
secrets_run short-ttl "$SHORT_TTL"
stop "$MOTO_PID"

# ---------------------------------------------------------------- ratios
HANDLER_WORST=$(calc "(${HANDLER_RATIO[issue-jwt]} > ${HANDLER_RATIO[hash-user]}) ? ${HANDLER_RATIO[issue-jwt]} : ${HANDLER_RATIO[hash-user]}" 1)
echo "ratios: throughput_vs_node=$(calc "${RPS[serve]} / ${RPS[node]}" 2)" \
    "p99_vs_node=$(calc "${P99[serve]} / ${P99[node]}" 3)" \
    "throughput_vs_floor=$(calc "${RPS[serve]} / ${RPS[floor]}" 2)" \
    "p99_vs_floor=$(calc "${P99[serve]} / ${P99[floor]}" 2)" \
    "cold_start_vs_hello=$COLD_WORST" \
    "handler_vs_hmac=$HANDLER_WORST" \
    "rss_mib=$(calc "${RSS[serve]} / 1024" 1)" | tee -a "$OUT/figures.txt"
