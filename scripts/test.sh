#!/usr/bin/env bash
# Runs every test of chatpass: installs what the tests need (Debian packages, a Python venv
# with moto/cargo-lambda/SAM CLI/cfn-lint/zig, one with checkov/parliament, playwright-core),
# then fmt, clippy, cargo test and the extra checks. Fast to rerun: apt and pip are skipped when already done.
# Usage: scripts/test.sh        (CI runs it through .ci/run)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

# Each step is timed; the run ends with a table of the steps' times, the one-time installs
# (apt, pip, npm, cargo install, rustup) apart from the tests. `step --install NAME` marks one.
# A step's CPU time (user + system of the processes it ran) beside its wall time says how much
# of it two cores could ever overlap.
STEP_NAMES=() STEP_SECONDS=() STEP_CPU=() STEP_KINDS=() STEP_NAME="" STEP_KIND=""
STEP_STARTED=$SECONDS STEP_CPU_STARTED=0 CLK_TCK=$(getconf CLK_TCK)
children_cpu_ticks() {
  local stat
  read -r -a stat <"/proc/$$/stat"
  echo $((stat[15] + stat[16]))
}
# Bash reaps a side step as soon as it ends, which adds its CPU to the shell's children's: the
# step then running is not charged for it (nor one starting after it ended).
side_steps_ended_ticks() {
  local log rc seconds cpu ticks sum=0
  for log in "${SIDE_LOGS[@]}"; do
    [[ -f $log.result && ! -f $log.counted ]] || continue
    read -r rc seconds cpu ticks <"$log.result"
    sum=$((sum + ticks))
    : >"$log.counted"
  done
  echo "$sum"
}
end_step() {
  [[ -n $STEP_NAME ]] || return 0
  local cpu=$(($(children_cpu_ticks) - STEP_CPU_STARTED - $(side_steps_ended_ticks)))
  ((cpu >= 0)) || cpu=0
  STEP_NAMES+=("$STEP_NAME") STEP_KINDS+=("$STEP_KIND") STEP_SECONDS+=($((SECONDS - STEP_STARTED)))
  STEP_CPU+=($((cpu / CLK_TCK)))
  STEP_NAME=""
}
step() {
  end_step
  STEP_KIND=test
  if [[ $1 == --install ]]; then
    STEP_KIND=install
    shift
  fi
  STEP_NAME=$* STEP_STARTED=$SECONDS STEP_CPU_STARTED=$(children_cpu_ticks)
  side_steps_ended_ticks >/dev/null
  printf '\n==> %s\n' "$*"
}
# A step run beside the steps that follow it, where one of the two mostly waits (the browser
# suite beside the CPU-bound template checks was slower than the two in turn): its output goes
# to a file, printed with its times when `join_side_steps` waits for it, and its failure fails
# the run there. The table marks it "(beside)".
SIDE_PIDS=() SIDE_NAMES=() SIDE_LOGS=()
side_step() {
  local name log
  name=$1
  shift
  log=$(mktemp)
  printf '\n==> %s (beside the next steps; its output follows when it ends)\n' "$name"
  (
    set +e
    started=$SECONDS
    (set -e; "$@") >"$log" 2>&1
    rc=$?
    read -r -a stat <"/proc/$BASHPID/stat"
    ticks=$((stat[15] + stat[16]))
    echo "$rc $((SECONDS - started)) $((ticks / CLK_TCK)) $ticks" >"$log.result"
  ) &
  SIDE_PIDS+=($!) SIDE_NAMES+=("$name") SIDE_LOGS+=("$log")
}
# Waits for the side steps named (all of them without a name).
join_side_steps() {
  end_step
  local i rc seconds cpu failed=0 left=() wanted name
  for i in "${!SIDE_PIDS[@]}"; do
    wanted=$(($# == 0))
    for name; do
      [[ $name != "${SIDE_NAMES[$i]}" ]] || wanted=1
    done
    if ((wanted == 0)); then
      left+=("$i")
      continue
    fi
    wait "${SIDE_PIDS[$i]}" || true
    printf '\n==> %s (ran beside)\n' "${SIDE_NAMES[$i]}"
    cat "${SIDE_LOGS[$i]}"
    read -r rc seconds cpu _ <"${SIDE_LOGS[$i]}.result" || rc=1 seconds=0 cpu=0
    STEP_NAMES+=("(beside) ${SIDE_NAMES[$i]}") STEP_KINDS+=(test)
    STEP_SECONDS+=("$seconds") STEP_CPU+=("$cpu")
    rm -f "${SIDE_LOGS[$i]}" "${SIDE_LOGS[$i]}.result" "${SIDE_LOGS[$i]}.counted"
    if ((rc != 0)); then
      echo "${SIDE_NAMES[$i]} failed" >&2
      failed=1
    fi
  done
  local pids=() names=() logs=()
  for i in "${left[@]}"; do
    pids+=("${SIDE_PIDS[$i]}") names+=("${SIDE_NAMES[$i]}") logs+=("${SIDE_LOGS[$i]}")
  done
  SIDE_PIDS=("${pids[@]}") SIDE_NAMES=("${names[@]}") SIDE_LOGS=("${logs[@]}")
  return "$failed"
}

# Runs a command at the lowest priority, in a session of its own: it gets the CPU the steps
# leave. Linux shares the CPU between sessions first (autogroups), then by nice within each, and
# Chromium runs in a session of its own (Playwright starts it detached): two busy loops at nice
# 19 in this script's session took the browser suite from 30 to 41 s, in sessions of their own
# whose autogroup is at nice 19 to 37 s. Where autogroups are off, the command's nice 19 acts.
in_background() {
  setsid --wait sh -c '{ echo 19 >/proc/self/autogroup; } 2>/dev/null; exec nice -n 19 "$@"' \
    in_background "$@"
}

# A process and all its descendants, children first.
process_tree() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    process_tree "$child"
  done
  echo "$1"
}

step_table() {
  end_step
  local pid
  for pid in "${SIDE_PIDS[@]}"; do
    # shellcheck disable=SC2046 # one pid a word
    kill $(process_tree "$pid") 2>/dev/null || true
  done
  local i installs=0 tests tests_cpu=0
  printf '\n| seconds | CPU seconds | kind | step |\n|---:|---:|---|---|\n'
  for i in "${!STEP_NAMES[@]}"; do
    printf '| %d | %d | %s | %s |\n' "${STEP_SECONDS[$i]}" "${STEP_CPU[$i]}" "${STEP_KINDS[$i]}" \
      "${STEP_NAMES[$i]:0:90}"
    if [[ ${STEP_KINDS[$i]} == install ]]; then
      installs=$((installs + STEP_SECONDS[i]))
    else
      tests_cpu=$((tests_cpu + STEP_CPU[i]))
    fi
  done
  # Installs never run beside another step; side steps overlap, so the tests' time is the rest.
  tests=$((SECONDS - installs))
  printf '\ninstalls: %d s; tests: %d s (%d s of CPU); in all: %d s\n' "$installs" "$tests" \
    "$tests_cpu" "$SECONDS"
}
trap step_table EXIT

# --- install -----------------------------------------------------------------------------

install_debian_packages() {
  local missing=() cmd
  for cmd in chromium wrk; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  if ((${#missing[@]} == 0)); then
    return
  fi
  step --install "apt-get install ${missing[*]}"
  local sudo=()
  if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# A venv at $1 with the pinned requirements $2 (skipped when they have not changed).
install_python_tools() {
  local venv=$1 requirements=$2 stamp="$1/.requirements.sha256" sum
  if [[ ! -x $venv/bin/python ]]; then
    step --install "python3 -m venv $venv"
    python3 -m venv "$venv"
  fi
  sum=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$sum" ]]; then
    return
  fi
  step --install "pip install -r $requirements (into $venv)"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install -q -r "$requirements"
  printf '%s\n' "$sum" >"$stamp"
}

# Each suite's packages, skipped when node_modules was installed from the same lock file.
install_node_tools() {
  local suite cmd stamp sum
  for suite in web tests/browser tests/interop; do
    [[ -f $suite/package.json ]] || continue
    cmd=install sum=""
    stamp=$suite/node_modules/.lock.sha256
    if [[ -f $suite/package-lock.json ]]; then
      cmd=ci
      sum=$(sha256sum "$suite/package-lock.json" | cut -d' ' -f1)
      [[ -f $stamp && $(<"$stamp") == "$sum" ]] && continue
    fi
    step --install "npm $cmd ($suite)"
    (cd "$suite" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm "$cmd" --no-audit --no-fund --loglevel=error)
    [[ -z $sum ]] || printf '%s\n' "$sum" >"$stamp"
  done
}

# --- checks ------------------------------------------------------------------------------

# The workspace built for the tests: chatpass.js rebuilt and type-checked (web/, which `chatpass
# serve` embeds), then the tests and the binaries the suites start, every dependency compiled
# once for both (the feature pins in tests/Cargo.toml, which scripts/check_feature_pins.py
# checks).
build_checks() {
  step "chatpass.js: web/dist is what web/src builds; tsc over the source and the typed example"
  (cd web && npm run --silent check)
  step "cargo build: the tests and the binaries, every dependency compiled once for both"
  cargo test --workspace --no-run
  python3 scripts/check_feature_pins.py
}

# The interop suite (tests/interop: serve against a real OpenID Provider, relying party library
# and Standard Webhooks library) mostly waits: it runs beside cargo test.
INTEROP_STEP="interop: chatpass serve with oidc-provider (code + PKCE, key rotation, back-channel logout) and the Standard Webhooks library"
interop_beside() {
  side_step "$INTEROP_STEP" \
    env CHATPASS_BIN="$CARGO_TARGET_DIR/debug/chatpass" CHATPASS_PYTHON="$ROOT/.venv/bin/python" \
    node --test tests/interop/
}

# chatpass.js, the vendors' SDKs and the demo page in headless Chromium against `chatpass
# serve`, with schemathesis (`chatpass serve` against openapi.yaml, one core's worth) beside it:
# the browser suite leaves more than a core idle, and its "within a second" logout checks took
# 28 to 111 ms with schemathesis beside; then the deploy path: the SAM template linted, validated
# and statically checked.
SCHEMATHESIS_STEP="schemathesis: chatpass serve against openapi.yaml"
extra_checks() {
  side_step "$SCHEMATHESIS_STEP" .venv/bin/python scripts/schemathesis_run.py
  step "browser tests: chatpass.js for every vendor, the vendors' SDKs and the demo page in headless Chromium against chatpass serve"
  CHATPASS_BIN="$CARGO_TARGET_DIR/debug/chatpass" node --test tests/browser/
  join_side_steps "$SCHEMATHESIS_STEP"

  step "cfn-lint template.yaml"
  cfn-lint template.yaml
  step "sam validate --lint"
  sam validate --lint --region us-east-1 </dev/null
  template_checks
}

# The deploy path's build: `sam build` making an arm64 bootstrap for each of the four functions.
#
# `sam build` here runs the release profile at opt-level 0 without LTO (CARGO_PROFILE_RELEASE_*):
# an arm64, stripped release build through the same SAM -> cargo-lambda -> zig path, in under
# half the time of an optimised one on 2 cores (timings in docs/records/benchmark-runs.md). What
# is checked is that the pipeline builds every function; the binaries users deploy come from
# their own `sam build`, which uses the real release profile (cargo sees the changed profile and
# rebuilds). SAM's cargo-lambda builder builds every function into the one CARGO_TARGET_DIR, so
# dependencies compile once, not once per function.
SAM_BUILD_STEP="sam build (arm64 release profile at opt-level 0, no LTO)"
sam_build() {
  local started=$SECONDS function bootstrap
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=0 in_background sam build --region us-east-1 </dev/null
  # Every function template.yaml declares (a resource whose Type is AWS::Serverless::Function).
  local functions
  functions=$(awk '/^  [A-Za-z0-9]+:$/ {name=$1} /Type: AWS::Serverless::Function/ {sub(":", "", name); print name}' template.yaml)
  [[ -n $functions ]] || { echo "template.yaml declares no function" >&2; return 1; }
  for function in $functions; do
    bootstrap=.aws-sam/build/$function/bootstrap
    if [[ ! -x $bootstrap ]]; then
      echo "sam build made no $bootstrap" >&2
      return 1
    fi
    # ELF e_machine (bytes 18-19, little-endian) 0xb7 is aarch64.
    if [[ $(od -An -tx1 -j18 -N2 "$bootstrap" | tr -d ' ') != b700 ]]; then
      echo "$bootstrap is not an aarch64 executable" >&2
      return 1
    fi
  done
  echo "sam build: $(wc -w <<<"$functions") arm64 bootstraps in $((SECONDS - started)) s"
}

# Static checks beside cfn-lint, on the template as CloudFormation receives it (the SAM
# translator's output, scripts/rehearsal_stack.py): checkov on the whole document, parliament on
# each role's policies (with the defaults, and with a KMS key for the secrets). A finding fails
# unless the resource's Metadata skips it with a reason that SECURITY.md lists. The deploy
# rehearsal itself (tests/tests/rehearsal.rs) runs with cargo test.
template_checks() {
  step "template checks: checkov and parliament on the transformed template"
  local work
  work=$(mktemp -d)
  .venv/bin/python scripts/rehearsal_stack.py transform --out "$work/template.json"
  .venv/bin/python scripts/rehearsal_stack.py policies --out "$work/policies.json"
  .venv-checks/bin/checkov --file "$work/template.json" --framework cloudformation \
    --skip-download --compact --quiet
  .venv-checks/bin/python scripts/template_checks.py "$work/template.json" "$work/policies.json" \
    SECURITY.md
  rm -rf "$work"
}

# The API against its peers and under faults: the interop suite joined, then a short
# load-with-faults run (moto killed and restarted under wrk load) with only the background
# builds and fuzz runs beside it.
api_checks() {
  join_side_steps "$INTEROP_STEP"
  step "load with faults (short): wrk on serve while moto is killed and restarted"
  LOAD_SECONDS=14 OUTAGE_AT=4 OUTAGE_SECONDS=4 SETTLE_SECONDS=3 .venv/bin/python scripts/load_faults.py
}

# The bench's own checks (BENCHMARKS.md): the tests of its Python helpers (the delay proxy's
# round trip, the cost line, wrk's report and the HTTP section's warm-up), of lambda-emu and of
# the floor Lambda, then every section of bench/run.py once in smoke mode: dev builds, one-second
# wrk runs, criterion for a fraction of a second, one cold start per bootstrap, and the deployed
# mode at 256 MB (each function beside its floor, one cold start per CPU model, 10 warm
# invocations) under the CPU share, over TLS through the delay proxy; 256 MB is the size
# template.yaml ships three functions with, so the `*_shipped_vs_floor` figures are computed
# too. A section that cannot complete fails the tests here (a failed start, an answer other
# than 200, a function reaching no TLS endpoint, a report that does not parse), not the next
# full measurement; its figures are not measurements. Each section's wall time is printed. The
# CPU share needs root and cgroup v1's cpu controller; without them the run says NO CPU SHARE
# and goes on at full speed.
bench_checks() {
  step "bench: tests of its Python helpers, lambda-emu and the floor Lambda"
  .venv/bin/python -m unittest discover -s bench/tests
  # The whole bench workspace, so that its tests unify the features bench/run.py's build of its
  # binaries does and the bench's dependencies compile once for both.
  (cd bench && cargo test --quiet --workspace)
  step "bench: every section once, smoke run (dev builds, short runs)"
  local cgroup=/sys/fs/cgroup/cpu
  [[ -w $cgroup ]] || cgroup=none
  BENCH_PROFILE=dev WRK_DURATION=1 WRK_WARMUP=1 BENCH_IDENTITIES=100 BENCH_ACTIVE=10 JWT_ITERATIONS=100 \
    CRITERION_ARGS="--warm-up-time 0.1 --measurement-time 0.3 --sample-size 10" COLD_RUNS=1 \
    SECRETS_DURATION=2 SHORT_TTL=1 MEMORY_SIZES=256 DEPLOYED_RUNS=1 DEPLOYED_WARM=10 \
    CPU_CGROUP=$cgroup BENCH_TARGET_DIR="$CARGO_TARGET_DIR" BENCH_OUT="$CARGO_TARGET_DIR/bench-smoke" \
    .venv/bin/python bench/run.py
}

# Security checks (docs/security-testing.md, "Fuzzing and attack suites"; the JWT and webhook attack suites
# run with cargo test): `cargo deny` on the dependency graph, and each cargo-fuzz target built
# and run briefly from its committed corpus, failing on any crash. cargo-fuzz and cargo-deny are
# installed at pinned versions (skipped when present), without the fat LTO of their release
# profiles. The fuzz targets build with stable Rust (no sanitizer: cargo-fuzz then needs no -Z
# flag; the code is safe Rust, and libFuzzer's coverage and the targets' own assertions find the
# bugs), unoptimised with debug assertions, in about half the time of an optimised build; the
# long campaign uses -O.
# New inputs go to a scratch copy of the corpus, so the committed corpus stays as it is; a
# crash's input lands in fuzz/artifacts/<target>/.
CARGO_DENY_VERSION=0.20.2
CARGO_FUZZ_VERSION=0.13.2
FUZZ_TARGETS=(webhook_verify project_config sign_every_vendor handler_requests)
# Inputs each target runs, its corpus included: a count, not a time, so a busy machine fuzzes
# as much as an idle one, only later. At least what 20 s ran on the slower of the two 2-core
# machines the test command was measured on (docs/records/benchmark-runs.md), about 10 s of one
# core each on the faster.
declare -A FUZZ_RUNS=([webhook_verify]=90000 [project_config]=200000 [sign_every_vendor]=10000
  [handler_requests]=4000)
FUZZ_BUILD=(--dev -s none)

install_cargo_tool() {
  local tool=$1 version=$2
  if [[ $("$tool" --version 2>/dev/null) == "$tool $version" ]]; then
    return
  fi
  step --install "cargo install --locked $tool $version"
  # In a scratch target dir (not the workspace's), dropped afterwards.
  env -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked --quiet "$tool" --version "$version"
}

# The RustSec advisory database against the three lock files (the workspace's, fuzz/'s and
# bench/'s). The live database when it can be fetched (cargo-deny's own clone under
# $CARGO_HOME/advisory-dbs); otherwise the dated snapshot this project's CI keeps beside the
# repository (../shared/advisory-db, a git bundle), cloned into a scratch folder and named in
# a scratch copy of the config (`db-path`). With neither, the check says loudly that it needs
# the network. Either way it prints which database it used, its date and its age.
ADVISORY_SNAPSHOT=../shared/advisory-db/advisory-db.bundle
# cargo-deny's folder name for https://github.com/rustsec/advisory-db (../shared/advisory-db/SNAPSHOT).
ADVISORY_DB_DIR=advisory-db-3157b0e258782691

advisory_checks() {
  local scratch db configs=() offline=() which manifest config date age
  step "cargo deny check advisories (Cargo.lock, fuzz/Cargo.lock, bench/Cargo.lock)"
  scratch=$(mktemp -d)
  if timeout 120 cargo deny --log-level error fetch db >"$scratch/fetch.log" 2>&1; then
    db="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/$ADVISORY_DB_DIR"
    which="the live RustSec advisory database"
    configs=(deny.toml bench/deny.toml)
  elif [[ -f $ADVISORY_SNAPSHOT ]]; then
    db="$scratch/db/$ADVISORY_DB_DIR"
    git -c init.defaultBranch=main clone -q "$ADVISORY_SNAPSHOT" "$db"
    which="the RustSec snapshot beside the repository ($ADVISORY_SNAPSHOT; the live database cannot be fetched from here)"
    for config in deny.toml bench/deny.toml; do
      mkdir -p "$scratch/$(dirname "$config")"
      sed "s|^\[advisories\]\$|[advisories]\ndb-path = \"$scratch/db\"|" "$config" >"$scratch/$config"
      configs+=("$scratch/$config")
    done
    offline=(--offline)
  else
    echo "advisories: NOT CHECKED: the RustSec advisory database cannot be fetched from this machine" \
      "and no snapshot is beside the repository ($ADVISORY_SNAPSHOT); run scripts/test.sh with network access"
    sed 's/^/  /' "$scratch/fetch.log" | tail -n 3
    rm -rf "$scratch"
    return 0
  fi
  date=$(git -C "$db" log -1 --format=%cs)
  age=$(( ($(date +%s) - $(git -C "$db" log -1 --format=%ct)) / 86400 ))
  echo "advisories: $which, commit $(git -C "$db" rev-parse --short HEAD) of $date ($age days old)"
  for manifest in Cargo.toml fuzz/Cargo.toml bench/Cargo.toml; do
    config=${configs[0]}
    [[ $manifest == bench/* ]] && config=${configs[1]}
    # cargo-deny's --offline reaches cargo metadata too, which then wants every platform's
    # crates already downloaded.
    [[ ${#offline[@]} == 0 ]] || cargo fetch --quiet --manifest-path "$manifest"
    cargo deny "${offline[@]}" --log-level error --manifest-path "$manifest" --config "$config" \
      check advisories
    echo "advisories: $manifest clean"
  done
  rm -rf "$scratch"
}

# `cargo fuzz` in fuzz/, into fuzz/target, in the background: the build and the runs must say the
# same, or each run builds the targets again.
cargo_fuzz() {
  (cd fuzz && CARGO_TARGET_DIR="$ROOT/fuzz/target" CARGO_INCREMENTAL=0 in_background cargo fuzz "$@")
}

# One fuzz target, run from its committed corpus into a scratch copy; on a crash, the log's tail.
fuzz_one() {
  local target=$1 scratch dict=()
  scratch=$(mktemp -d)
  [[ -f fuzz/dict/$target.dict ]] && dict=("-dict=dict/$target.dict")
  if ! cargo_fuzz run "${FUZZ_BUILD[@]}" "$target" "$scratch" "corpus/$target" -- \
    -runs="${FUZZ_RUNS[$target]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "${dict[@]}" >"$scratch.log" 2>&1; then
    tail -n 80 "$scratch.log" >&2
    echo "fuzz target $target failed; its input is in fuzz/artifacts/$target/" >&2
    return 1
  fi
  echo "$target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$scratch.log" || true)"
  rm -rf "$scratch" "$scratch.log"
}

# The fuzz targets' build (it shares no crate with the workspace's dev build), then the four runs
# at once, all in the background (`in_background`): about 98 % of a core the other steps want
# stays theirs, and the fuzzers get the rest, enough that no input nears libFuzzer's 10 s
# timeout (the slowest took under a second).
FUZZ_STEP="cargo fuzz build, then cargo fuzz run (${FUZZ_TARGETS[*]}; a set number of inputs each, in the background)"
fuzz_checks() {
  local started=$SECONDS target pid pids=() failed=0
  cargo_fuzz build "${FUZZ_BUILD[@]}"
  echo "fuzz build: $((SECONDS - started)) s"
  for target in "${FUZZ_TARGETS[@]}"; do
    fuzz_one "$target" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
  done
  echo "fuzz build and runs: $((SECONDS - started)) s"
  return "$failed"
}

dependency_checks() {
  step "cargo deny check licenses bans sources"
  cargo deny --log-level error check licenses bans sources
  advisory_checks
}

install_debian_packages
install_python_tools .venv scripts/requirements-test.txt
# checkov pins a boto3 the SAM CLI cannot share (scripts/requirements-checks.txt).
install_python_tools .venv-checks scripts/requirements-checks.txt
install_node_tools
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  step --install "rustup target add aarch64-unknown-linux-gnu"
  rustup target add aarch64-unknown-linux-gnu
fi
install_cargo_tool cargo-deny "$CARGO_DENY_VERSION"
install_cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION"

export PATH="$ROOT/.venv/bin:$PATH"
export CHATPASS_MOTO_SERVER="$ROOT/.venv/bin/moto_server"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export SAM_CLI_TELEMETRY=0

# The worked cases in vectors/ against the reference copy this project's CI keeps beside the
# repository; a user's clone has none, and its tests run on vectors/ alone.
if [[ -d ../shared/vectors ]]; then
  step "vectors/ against ../shared/vectors"
  python3 scripts/check_vectors.py ../shared/vectors
fi

step "cargo fmt --all --check"
cargo fmt --all --check

# The documents: every relative link and anchor resolves, no file names a document or path
# outside the repository or a tracker number, README.md stays short (scripts/check_docs.py).
step "docs: links, names, README length"
python3 -m unittest discover -s scripts/tests -q
python3 scripts/check_docs.py

# The two builds that share nothing with the workspace's (the fuzz targets' instrumented one and
# sam build's arm64 one) run beside every step from here on in the background, in the CPU the
# steps leave: cargo test and the suites after it mostly wait. The fuzz runs follow their build
# there.
side_step "$FUZZ_STEP" fuzz_checks
side_step "$SAM_BUILD_STEP" sam_build

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

build_checks
interop_beside
# The integration tests mostly wait (on moto, on spawned functions, on timeouts), so they run
# four per core rather than libtest's one (on 2 cores, 34 s against 46 s at two per core).
step "cargo test --workspace"
cargo test --workspace -- --test-threads=$((4 * $(nproc)))

extra_checks
api_checks
bench_checks
dependency_checks
join_side_steps

end_step
printf '\n==> all tests passed in %d s\n' "$SECONDS"
