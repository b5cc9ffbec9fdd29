#!/usr/bin/env python3
"""Verifies chatpass's tokens with PyJWT, an implementation independent of chatpass's own.

Reads {"cases": [...]} on stdin. Each case: `name`, `token`, `algorithms` (the one accepted),
`expect` ("valid" or "invalid"), the key as `jwks` (a JWK set, as GET .../jwks.json answers:
the token's `kid` picks the key) or `secret` (HS256), and optionally `issuer`, `audience`.
The key may also be `pem` (one or more `-----BEGIN PUBLIC KEY-----` blocks, as a PEM URL
answers: each is tried), `dynamics` (Dynamics 365's list of {kid, publicKey: base64 PEM,
expiry}: the token's `kid` picks the entry) or `secret_hex` (an HS256 secret given as hex, for
vendors that decode theirs). A vendor's own rules, optional: `require` (claims that must be
present; default ["exp"]), `max_lifetime` (exp − iat at most), `max_bytes` (the encoded token
at most), `string_only` (top-level claims whose every value is a string).
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
from cryptography.hazmat.primitives import serialization
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


def keys_for(case, header):
    """The candidate keys, most likely first."""
    if "jwks" in case:
        return [jwt.PyJWKSet.from_dict(case["jwks"])[header["kid"]].key]
    if "pem" in case:
        marker = "-----END PUBLIC KEY-----"
        blocks = [b + marker for b in case["pem"].split(marker) if b.strip()]
        return [serialization.load_pem_public_key(b.strip().encode()) for b in blocks]
    if "dynamics" in case:
        (entry,) = [e for e in case["dynamics"] if e["kid"] == header.get("kid")]
        return [serialization.load_pem_public_key(base64.b64decode(entry["publicKey"]))]
    if "secret_hex" in case:
        return [bytes.fromhex(case["secret_hex"])]
    return [case["secret"]]


def check_rules(case, claims):
    if "max_lifetime" in case and claims["exp"] - claims["iat"] > case["max_lifetime"]:
        raise ValueError("lives longer than the vendor allows")
    if "max_bytes" in case and len(case["token"].encode()) > case["max_bytes"]:
        raise ValueError("larger than the vendor allows")
    for name in case.get("string_only", []):
        value = claims.get(name, {})
        values = value.values() if isinstance(value, dict) else [value]
        if not all(isinstance(v, str) for v in values):
            raise ValueError(f"{name} holds a value that is not a string")


def verify(case):
    header = jwt.get_unverified_header(case["token"])
    options = {"require": case.get("require", ["exp"]), "verify_aud": "audience" in case}
    error = None
    for key in keys_for(case, header):
        try:
            claims = jwt.decode(
                case["token"],
                key,
                algorithms=case["algorithms"],
                issuer=case.get("issuer"),
                audience=case.get("audience"),
                options=options,
            )
        except jwt.InvalidSignatureError as wrong_key:
            error = wrong_key
            continue
        check_rules(case, claims)
        return claims
    raise error


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
