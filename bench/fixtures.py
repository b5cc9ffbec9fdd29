"""What every part of the bench shares: the identity provider's issuer and audience, the page's
origin, the projects in moto and their keys, the session the callback reads, and the fixture
event of each function (the logout's rewritten to log out a user nobody else signs in as)."""

import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUER = "https://idp.example.com/"
AUDIENCE = "chatpass"
ORIGIN = "https://www.example.com"
JSM_KEY = "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz"
SPRINKLR_KEY = "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d"
CALLBACK_KEY = "cb-key-0123456789abcdefghijklmnop"
WEBHOOK_SECRET = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
REFERENCE = "00112233445566778899aabbccddeeff"
TABLE = "chatpass-bench"
SECRETS_PROJECTS = 50
FUNCTIONS = ["issue-jwt", "hash-user", "user-details-callback", "logout-webhook"]


def projects(count=SECRETS_PROJECTS):
    """acme-jsm, acme-sprinklr (callback keys, webhook secrets) and bench-01 ... bench-NN."""
    projects = {
        "acme-jsm": {"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN]},
        "acme-sprinklr": {
            "vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "user"},
            "allowed_origins": [ORIGIN], "callback_keys": [CALLBACK_KEY],
            "webhook_secrets": [WEBHOOK_SECRET],
        },
    }
    for n in range(1, count + 1):
        projects[f"bench-{n:02d}"] = {"vendor": "jsm-chat",
                                      "key": f"bench-{n:02d}-jsm-key-0123456789abcdef",
                                      "allowed_origins": [ORIGIN]}
    return projects


def sessions():
    """The session behind REFERENCE, which the user-details callback's fixture asks for."""
    user = {"id": "u-1001", "email": "alice@example.com", "email_verified": True,
            "name": "Alice Smith", "first_name": "Alice", "last_name": "Smith"}
    return {("acme-sprinklr", REFERENCE): user}


def events(out):
    """Each function's fixture event file (hello answers issue-jwt's), as the run's copies: the
    authorizer's claims issued now and valid for the run (three hours), and the logout's body
    logging out a user nobody else signs in as, so every run of the others answers as the
    first did."""
    copies = {}
    for function, name in (("issue-jwt", "token"), ("hash-user", "user-hash"),
                           ("user-details-callback", "user-details"),
                           ("logout-webhook", "logout-webhook")):
        event = json.loads((ROOT / f"functions/{function}/events/{name}.json").read_text())
        claims = event["requestContext"].get("authorizer", {}).get("jwt", {}).get("claims")
        if claims:
            issued = int(time.time()) - 10
            claims.update(iat=str(issued), exp=str(issued + 3 * 3600))
        if function == "logout-webhook":
            event["body"] = json.dumps(
                {"type": "user.logged_out", "data": {"user_id": "u-bench-logout"}},
                separators=(",", ":"))
        copies[function] = out / f"event-{function}.json"
        copies[function].write_text(json.dumps(event))
    copies["hello"] = copies["issue-jwt"]
    return copies
