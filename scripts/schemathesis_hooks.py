"""schemathesis hooks for scripts/schemathesis_run.py: signs the logout route's Standard Webhooks
deliveries, so that generated deliveries reach chatpass's logic past the signature check.

Only positive-mode JSON deliveries are signed (with the secret in CHATPASS_ST_WEBHOOK_SECRET,
at the current time, under the generated `webhook-id`); negative-mode cases and OIDC form
bodies go as generated.
"""

import base64
import hashlib
import hmac
import json
import os
import time
import uuid

import schemathesis

_SECRET = base64.b64decode(os.environ["CHATPASS_ST_WEBHOOK_SECRET"].removeprefix("whsec_"))


def _body_bytes(case) -> bytes:
    """The body exactly as the requests transport will send it."""
    kwargs = case.as_transport_kwargs(base_url="http://127.0.0.1")
    if "data" in kwargs and kwargs["data"] is not None:
        data = kwargs["data"]
        return data if isinstance(data, bytes) else str(data).encode("utf-8")
    if "json" in kwargs:
        return json.dumps(kwargs["json"], allow_nan=False).encode("utf-8")
    return b""


@schemathesis.hook
def before_call(context, case, kwargs):
    operation = case.operation
    if operation.method.upper() != "POST" or not operation.path.endswith("/logout"):
        return
    if case.media_type != "application/json":
        return
    meta = case.meta
    if meta is not None and meta.generation.mode.is_negative:
        return
    headers = dict(case.headers or {})
    delivery_id = headers.get("webhook-id") or f"msg_{uuid.uuid4().hex}"
    timestamp = str(int(time.time()))
    body = _body_bytes(case)
    mac = hmac.new(_SECRET, f"{delivery_id}.{timestamp}.".encode() + body, hashlib.sha256)
    headers["webhook-id"] = delivery_id
    headers["webhook-timestamp"] = timestamp
    headers["webhook-signature"] = "v1," + base64.b64encode(mac.digest()).decode()
    case.headers = headers
