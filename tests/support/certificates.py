"""PKCS#12 files for signing PDFs, made on the spot: a self-signed certificate and its key."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


def write_pkcs12(path: Path, passphrase: bytes, *, valid_days: int = 30, with_key: bool = True) -> Any:
    """Write a PKCS#12 file for "Northwind Supply GmbH" to ``path``, protected by ``passphrase``,
    its certificate valid from yesterday for ``valid_days`` more days (negative: expired), holding
    the key unless ``with_key`` is false; return the certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Northwind Supply GmbH")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=max(1, 1 - valid_days)))
            .not_valid_after(now + dt.timedelta(days=valid_days))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(p12.serialize_key_and_certificates(
        b"northwind", key if with_key else None, cert, None, serialization.BestAvailableEncryption(passphrase)))
    return cert
