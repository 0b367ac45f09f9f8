#!/usr/bin/env python3
"""Re-creates the fixture certificates in fixtures/orgs/ and the copies embedded in fixtures/source/.

They never expire: notAfter is 99991231235959Z, which RFC 5280 section 4.1.2.5 reserves for "no
well-defined expiration date", and notBefore is 2000-01-01, so no test starts or stops passing
with the date it runs on (issue: a day count in a snapshot broke CI). Tests about expiry make their
own short-lived certificates at run time.

ci.crt is signed by fixtures/keys/ci.key; other.crt by a key made here and thrown away (the
certificate-mismatch scenarios). Needs the `cryptography` package (pip). Run from anywhere:
    python3 scripts/fixture-certs.py
"""
import datetime
import pathlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOT_BEFORE = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)


def certificate(key, common_name):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def replace_embedded(old_pem, new_pem):
    """Every file under fixtures/source and fuzz/seeds that embeds the old certificate gets the new one."""
    old_body = old_pem.strip()
    for path in list((ROOT / "fixtures" / "source").rglob("*")) + list((ROOT / "fuzz" / "seeds").rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if old_body.encode() in data:
                path.write_bytes(data.replace(old_body.encode(), new_pem.strip().encode()))
                print(f"updated {path.relative_to(ROOT)}")


def main():
    ci_key = serialization.load_pem_private_key((ROOT / "fixtures/keys/ci.key").read_bytes(), password=None)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for file, key, cn in [("ci.crt", ci_key, "sfjwt test fixture - never use"), ("other.crt", other_key, "sfjwt other fixture")]:
        path = ROOT / "fixtures" / "orgs" / file
        old = path.read_text()
        new = certificate(key, cn)
        path.write_text(new)
        print(f"wrote {path.relative_to(ROOT)}")
        replace_embedded(old, new)


if __name__ == "__main__":
    main()
