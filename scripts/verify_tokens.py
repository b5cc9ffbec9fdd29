#!/usr/bin/env python3
"""Verifies chatpass's tokens with PyJWT, an implementation independent of chatpass's own.

Reads {"cases": [...]} on stdin. Each case: `name`, `token`, `algorithms` (the one accepted),
`expect` ("valid" or "invalid"), the key as `jwks` (a JWK set, as GET .../jwks.json answers:
the token's `kid` picks the key) or `secret` (HS256), and optionally `issuer`, `audience`.
A case with `certificate_jwk` instead checks a JWK's `x5c` (as `chatpass keygen` prints it
for keysets uploaded by hand): one self-signed certificate, signed by the JWK's own key,
valid from now for at least 10 days.
Prints one line per case and "N passed, N failed"; exits 1 on any case that is not as expected.
"""

import base64
import datetime
import json
import sys

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding


def check_certificate(jwk):
    (der,) = jwk["x5c"]
    cert = x509.load_der_x509_certificate(base64.b64decode(der))
    numbers = cert.public_key().public_numbers()
    as_int = lambda b64: int.from_bytes(base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)), "big")
    if (numbers.n, numbers.e) != (as_int(jwk["n"]), as_int(jwk["e"])):
        raise ValueError("the certificate holds another key")
    cert.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc - datetime.timedelta(days=10):
        raise ValueError("not valid from now for 10 days")


def verify(case):
    header = jwt.get_unverified_header(case["token"])
    if "jwks" in case:
        keys = jwt.PyJWKSet.from_dict(case["jwks"])
        key = keys[header["kid"]].key
    else:
        key = case["secret"]
    options = {"require": ["exp"], "verify_aud": "audience" in case}
    return jwt.decode(
        case["token"],
        key,
        algorithms=case["algorithms"],
        issuer=case.get("issuer"),
        audience=case.get("audience"),
        options=options,
    )


def main():
    cases = json.load(sys.stdin)["cases"]
    passed = failed = 0
    for case in cases:
        try:
            if "certificate_jwk" in case:
                check_certificate(case["certificate_jwk"])
            else:
                verify(case)
            outcome, why = "valid", ""
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            outcome, why = "invalid", f" ({type(error).__name__})"
        ok = outcome == case["expect"]
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'ok' if ok else 'WRONG'}: {case['name']}: {outcome}{why}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
