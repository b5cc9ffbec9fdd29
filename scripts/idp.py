#!/usr/bin/env python3
"""A throwaway identity provider for the scripts that drive `chatpass serve` with --jwks.

Makes an RSA key, writes its JWKS to DIR/jwks.json, and prints one RS256 ID token for the
subject (valid for --lifetime seconds) on stdout. Nothing is kept: run it again for a new key.
Uses `cryptography` from the test venv (moto brings it).

  idp.py DIR --issuer ISS --audience AUD --sub u-1001 --email alice@example.com --name "Alice Smith"
"""

import argparse
import base64
import json
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--sub", default="u-1001")
    parser.add_argument("--email", default="alice@example.com")
    parser.add_argument("--name", default="Alice Smith")
    parser.add_argument("--lifetime", type=int, default=3600)
    args = parser.parse_args()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_numbers()
    kid = "scripts-idp-" + uint(public.n)[:8]
    jwks = {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                      "n": uint(public.n), "e": uint(public.e)}]}
    args.dir.mkdir(parents=True, exist_ok=True)
    (args.dir / "jwks.json").write_text(json.dumps(jwks))

    now = int(time.time())
    given, _, family = args.name.partition(" ")
    claims = {
        "iss": args.issuer, "aud": args.audience, "sub": args.sub,
        "iat": now - 5, "exp": now + args.lifetime,
        "email": args.email, "email_verified": True, "name": args.name,
        "given_name": given, "family_name": family or given,
    }
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    signing_input = (b64url(json.dumps(header).encode()) + "."
                     + b64url(json.dumps(claims).encode())).encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    print(signing_input.decode() + "." + b64url(signature))


if __name__ == "__main__":
    main()
