"""The bench's TLS for "AWS": a root CA, an intermediate and a server certificate for
127.0.0.1, shaped like the chains AWS endpoints serve (RSA-2048 all the way, the server sending
its certificate and the intermediate), and the trust bundle the functions get through
SSL_CERT_FILE: this machine's roots (as many as provided.al2023's bundle holds) plus the root.
"""

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class TlsFiles:
    """Where the pieces are: `chain` and `key` for the server, `root` and `bundle` for clients."""

    def __init__(self, directory):
        directory = Path(directory)
        self.chain = directory / "server-chain.pem"
        self.key = directory / "server-key.pem"
        self.root = directory / "root.pem"
        self.bundle = directory / "trust-bundle.pem"


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "chatpass bench"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, subject_key, issuer, issuer_key, ca, extensions=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer)
               .public_key(subject_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, key_cert_sign=ca, crl_sign=ca,
                   content_commitment=False, key_encipherment=not ca, data_encipherment=False,
                   key_agreement=False, encipher_only=False, decipher_only=False), critical=True))
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make(directory, system_bundle=SYSTEM_BUNDLE):
    """Writes a fresh CA, intermediate and server certificate into `directory`."""
    files = TlsFiles(directory)
    Path(directory).mkdir(parents=True, exist_ok=True)
    key = lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)  # noqa: E731
    root_key, intermediate_key, server_key = key(), key(), key()
    root_name, intermediate_name = _name("bench root CA"), _name("bench RSA 2048 M01")
    root = _certificate(root_name, root_key, root_name, root_key, ca=True)
    intermediate = _certificate(intermediate_name, intermediate_key, root_name, root_key, ca=True)
    server = _certificate(
        _name("127.0.0.1"), server_key, intermediate_name, intermediate_key, ca=False,
        extensions=[
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                         x509.DNSName("localhost")]),
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
        ])
    pem = lambda cert: cert.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    files.chain.write_bytes(pem(server) + pem(intermediate))
    files.key.write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    files.root.write_bytes(pem(root))
    system = system_bundle.read_bytes() if system_bundle.exists() else b""
    files.bundle.write_bytes(system + b"\n" + pem(root))
    return files


def count_certificates(bundle):
    return Path(bundle).read_text().count("BEGIN CERTIFICATE")
