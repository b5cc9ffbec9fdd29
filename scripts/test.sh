#!/usr/bin/env bash
# Runs every test of chatpass: installs what the tests need (Debian packages, a Python venv
# with moto/cargo-lambda/SAM CLI/cfn-lint/zig, playwright-core), then fmt, clippy, cargo test
# and the extra checks. Fast to rerun: apt and pip are skipped when already done.
# Usage: scripts/test.sh        (CI runs it through .ci/run)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

step() { printf '\n==> %s\n' "$*"; }

# --- install -----------------------------------------------------------------------------

install_debian_packages() {
  local missing=() cmd
  for cmd in chromium wrk; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  if ((${#missing[@]} == 0)); then
    return
  fi
  step "apt-get install ${missing[*]}"
  local sudo=()
  if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_python_tools() {
  local requirements=scripts/requirements-test.txt stamp=.venv/.requirements.sha256 sum
  if [[ ! -x .venv/bin/python ]]; then
    step "python3 -m venv .venv"
    python3 -m venv .venv
  fi
  sum=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$sum" ]]; then
    return
  fi
  step "pip install -r $requirements (into .venv)"
  PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/pip install -q -r "$requirements"
  printf '%s\n' "$sum" >"$stamp"
}

install_node_tools() {
  [[ -f tests/browser/package.json ]] || return 0
  local cmd=install
  [[ -f tests/browser/package-lock.json ]] && cmd=ci
  step "npm $cmd (tests/browser)"
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm "$cmd" --no-audit --no-fund --loglevel=error)
}

# --- checks ------------------------------------------------------------------------------

# Checks beyond cargo test: the demo page in headless Chromium against `chatpass serve`, then
# the SAM template.
extra_checks() {
  step "browser test: the demo page in headless Chromium against chatpass serve"
  cargo build --quiet -p chatpass
  CHATPASS_BIN="$CARGO_TARGET_DIR/debug/chatpass" node --test tests/browser/

  if [[ -f template.yaml ]]; then
    step "cfn-lint template.yaml"
    cfn-lint template.yaml
    step "sam validate --lint"
    sam validate --lint --region us-east-1 </dev/null
  fi
}

install_debian_packages
install_python_tools
install_node_tools

export PATH="$ROOT/.venv/bin:$PATH"
export CHATPASS_MOTO_SERVER="$ROOT/.venv/bin/moto_server"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export SAM_CLI_TELEMETRY=0

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test --workspace"
cargo test --workspace

extra_checks

step "all tests passed"
