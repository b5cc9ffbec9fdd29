#!/usr/bin/env python3
"""The stand-in identity provider of the scripts and the bench (the Rust tests have their own in
chatpass-service's identity module): a fresh RSA-2048 key, its JWKS in DIR/jwks.json and its
public key in DIR/idp-public.pem, and one RS256 identity token for a subject. Nothing is kept:
run it again for a new key. Uses `cryptography` from the test venv (moto brings it).

  idp.py DIR --issuer ISS --audience AUD [--sub u-1001 --email alice@example.com
         --name "Alice Smith" --lifetime 3600]       prints the token on stdout

  import idp; token = idp.make(DIR, issuer, audience, lifetime=...)
"""

import argparse
import base64
import hashlib
import json
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def make(directory, issuer, audience, sub="u-1001", email="alice@example.com",
         name="Alice Smith", lifetime=3600):
    """Writes the key's JWKS and public PEM into `directory`; returns the identity token."""
    return make_many(directory, issuer, audience, 1, sub, email, name, lifetime)[0]


def make_many(directory, issuer, audience, count, sub="u-1001", email="alice@example.com",
              name="Alice Smith", lifetime=3600):
    """[`make`] for `count` users of one key: the first is `sub`, the others `sub-2`, ...,
    each with their own email (`alice+2@example.com`, ...)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key()
    numbers = public.public_numbers()
    kid = "standin-" + hashlib.sha256(uint(numbers.n).encode()).hexdigest()[:12]
    jwks = {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                      "n": uint(numbers.n), "e": uint(numbers.e)}]}
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "jwks.json").write_text(json.dumps(jwks))
    (directory / "idp-public.pem").write_bytes(public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    now = int(time.time())
    given, _, family = name.partition(" ")
    header = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid}).encode())
    local, _, domain = email.partition("@")
    tokens = []
    for n in range(1, count + 1):
        claims = {
            "iss": issuer, "aud": audience, "sub": sub if n == 1 else f"{sub}-{n}",
            "iat": now - 5, "exp": now + lifetime,
            "email": email if n == 1 else f"{local}+{n}@{domain}", "email_verified": True,
            "name": name, "given_name": given, "family_name": family or given,
        }
        signing_input = (header + "." + b64url(json.dumps(claims).encode())).encode()
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        tokens.append(signing_input.decode() + "." + b64url(signature))
    return tokens


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
    print(make(args.dir, args.issuer, args.audience, args.sub, args.email, args.name,
               args.lifetime))


if __name__ == "__main__":
    main()
