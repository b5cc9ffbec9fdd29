"""Secrets on the hot path: `chatpass serve --secrets aws --store dynamodb:TABLE` against moto
with the bench's 50 projects, wrk spreading requests over them in turn, and the
GetSecretValue and GetItem calls counted in moto's request recorder."""

import math
import os

import moto_provision
from fixtures import AUDIENCE, ISSUER, SECRETS_PROJECTS, TABLE
from http_load import wrk
from local_run import free_port, start_serve
from report import fmt


def recorded(recording, operation):
    try:
        return sum(operation in line for line in open(recording))
    except FileNotFoundError:
        return 0


def run(report, label, ttl, chatpass, children, endpoint, recording, token, jwks, settings, out):
    port = free_port()
    moto_provision.reset_recording(endpoint)
    env = dict(os.environ, CHATPASS_CONFIG_TTL_SECONDS=str(ttl))
    serve = start_serve(children, chatpass, port, [
        "--secrets", "aws", "--store", f"dynamodb:{TABLE}", "--jwks", jwks,
        "--issuer", ISSUER, "--audience", AUDIENCE], env=env, name=f"serve-secrets-{label}",
        stdout_to_log=False)
    duration = settings["duration"]
    result = wrk(f"http://127.0.0.1:{port}", out / f"wrk-secrets-{label}.txt", settings["threads"],
                 settings["connections"], duration, "projects.lua",
                 dict(os.environ, BENCH_TOKEN=token, BENCH_PROJECTS=str(SECRETS_PROJECTS)))
    serve.stop()
    calls = recorded(recording, "secretsmanager.GetSecretValue")
    items = recorded(recording, "DynamoDB_20120810.GetItem")
    windows = math.ceil(duration / ttl)
    requests = result["requests"]
    report.figure(f"secrets.{label}.requests", requests,
                  f"({SECRETS_PROJECTS} projects, {duration}s, -c{settings['connections']}, "
                  f"config TTL {ttl}s)")
    report.figure(f"secrets.{label}.errors", result["errors"])
    report.figure(f"secrets.{label}.get_secret_value_calls", calls)
    report.figure(f"secrets.{label}.get_secret_value_per_10k_requests",
                  fmt(calls * 10000 / requests, 1))
    report.figure(f"secrets.{label}.get_secret_value_per_project_per_ttl",
                  fmt(calls / (SECRETS_PROJECTS * windows), 2), f"({windows} TTL windows in the run)")
    report.figure(f"secrets.{label}.dynamodb_get_item_per_request", fmt(items / requests, 2))
