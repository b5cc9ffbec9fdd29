#!/usr/bin/env python3
"""Verifies chatpass's tokens with PyJWT, an implementation independent of chatpass's own.

Reads {"cases": [...]} on stdin. Each case: `name`, `token`, `algorithms` (the one accepted),
`expect` ("valid" or "invalid"), the key as `jwks` (a JWK set, as GET .../jwks.json answers:
the token's `kid` picks the key) or `secret` (HS256), and optionally `issuer`, `audience`.
Prints one line per case and "N passed, N failed"; exits 1 on any case that is not as expected.
"""

import json
import sys

import jwt


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
            verify(case)
            outcome, why = "valid", ""
        except (jwt.PyJWTError, KeyError) as error:
            outcome, why = "invalid", f" ({type(error).__name__})"
        ok = outcome == case["expect"]
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'ok' if ok else 'WRONG'}: {case['name']}: {outcome}{why}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
