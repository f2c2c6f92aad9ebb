"""PAdES signatures of stored PDFs with a PKCS#12 key (pyHanko).

The signature is an incremental update: the signed PDF still carries its e-invoice XML and
stays PDF/A-3. The key is loaded once per process (again when the file changes).

pyHanko names itself as the producer in the XMP metadata but appends itself to the document
information dictionary's, which PDF/A forbids (the two must say the same); the PDF is
therefore given pyHanko's producer name before it is signed, and both then agree.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import os
import stat
import threading
from typing import Any

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import Message

#: The environment variable holding the PKCS#12 file's passphrase (never a setting).
PASSPHRASE_ENV = "ORO_INVOICES_SIGNING_PASSPHRASE"
FIELD_NAME = "InvoiceSignature"

#: The largest file read as a PKCS#12 file: a key with its certificate chain takes a few KB.
MAX_CERTIFICATE_BYTES = 1024 * 1024
#: How much of the certificate's path a message quotes (the file's name is at its end).
PATH_SHOWN = 200

_lock = threading.Lock()
_signers: dict[tuple[str, float], Any] = {}


def sign(pdf: bytes, pkcs12_path: str) -> bytes:
    """``pdf`` signed (PAdES baseline B) with the key and certificate in ``pkcs12_path``.

    :raises ConfigurationError: the file cannot be read or opened with the passphrase.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(pkcs12_path)
    writer = IncrementalPdfFileWriter(io.BytesIO(_with_signing_producer(pdf)))
    metadata = signers.PdfSignatureMetadata(field_name=FIELD_NAME,
                                            subfilter=fields.SigSeedSubFilter.PADES)
    coroutine = signers.async_sign_pdf(writer, metadata, signer=signer)
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no event loop in this thread: run one here
        out = asyncio.run(coroutine)
    else:  # called from inside an event loop (an ASGI host): sign on a thread of its own
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            out = pool.submit(asyncio.run, coroutine).result()
    return bytes(out.getvalue())


def _with_signing_producer(pdf: bytes) -> bytes:
    """``pdf`` whose information dictionary names pyHanko as its producer (when it has one)."""
    import pikepdf
    from pyhanko.pdf_utils.metadata.model import VENDOR

    with pikepdf.open(io.BytesIO(pdf)) as document:
        if "/Info" not in document.trailer or "/Producer" not in document.docinfo:
            return pdf
        document.docinfo[pikepdf.Name.Producer] = pikepdf.String(VENDOR)
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
        return out.getvalue()


def _signer(path: str) -> Any:
    try:
        key = (path, os.stat(path).st_mtime)
    except OSError as exc:
        raise ConfigurationError(Message("The signing certificate %(path)s cannot be read: %(reason)s.",
                                         path=quoted(path, PATH_SHOWN), reason=str(exc.strerror or exc))) from None
    with _lock:
        found = _signers.get(key)
        if found is None:
            from pyhanko.sign import signers
            passphrase = os.environ.get(PASSPHRASE_ENV)
            found = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]  # untyped upstream
                path, passphrase=passphrase.encode() if passphrase else None)
            if found is None:
                raise ConfigurationError(Message(
                    "The signing certificate %(path)s could not be opened: not a PKCS#12 file, or the "
                    "passphrase in $%(variable)s is wrong.", path=quoted(path, PATH_SHOWN), variable=PASSPHRASE_ENV))
            _signers.clear()
            _signers[key] = found
        return found


def certificate_problem(path: str, *, today: dt.date | None = None) -> Message | None:
    """What keeps the PKCS#12 file at ``path`` from signing PDFs, checked when the setting is
    saved (None: nothing): not a full path, no such file, not readable, not a PKCS#12 file, the
    passphrase in ``$ORO_INVOICES_SIGNING_PASSPHRASE`` does not open it, it holds no key and
    certificate, or its certificate has expired (before ``today``). A message names the path and
    the reason, never what the file holds."""
    shown = quoted(path, PATH_SHOWN)
    if not os.path.isabs(path):
        return Message("The PDF signing certificate must be given by its full path on the server (starting "
                       "with /), not %(path)s.", path=shown)
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return Message("The PDF signing certificate %(path)s does not exist on the server.", path=shown)
    except OSError as exc:
        return _unreadable(shown, exc)
    if stat.S_ISDIR(found.st_mode):
        return Message("The PDF signing certificate %(path)s is a folder: give the path of the PKCS#12 "
                       "file (.p12) in it.", path=shown)
    if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_CERTIFICATE_BYTES:
        return _not_pkcs12(shown)
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_CERTIFICATE_BYTES + 1)
    except OSError as exc:
        return _unreadable(shown, exc)
    if not _looks_like_pkcs12(data):
        return _not_pkcs12(shown)
    return _opened_problem(data, shown, today or dt.datetime.now(dt.UTC).date())


def _opened_problem(data: bytes, shown: str, today: dt.date) -> Message | None:
    """What is wrong with the PKCS#12 ``data`` once opened with the passphrase (None: nothing)."""
    try:
        from cryptography.hazmat.primitives.serialization import pkcs12
    except ImportError:
        return Message("Signing PDFs needs the einvoice extra: pip install 'oro-invoices[einvoice]'.")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(
            data, passphrase.encode() if passphrase else None)
    except (ValueError, TypeError):
        return Message("The PDF signing certificate %(path)s could not be opened: the passphrase in "
                       "$%(variable)s is wrong or missing, or the file is damaged.", path=shown,
                       variable=PASSPHRASE_ENV)
    if key is None or certificate is None:
        return Message("The PDF signing certificate %(path)s holds no private key with its certificate: "
                       "export both into the PKCS#12 file.", path=shown)
    expires = certificate.not_valid_after_utc.date()
    if expires < today:
        return Message("The PDF signing certificate %(path)s expired on %(date)s: PDFs signed with it "
                       "would not be valid.", path=shown, date=expires)
    return None


def _unreadable(shown: str, exc: OSError) -> Message:
    return Message("The PDF signing certificate %(path)s cannot be read: %(reason)s.", path=shown,
                   reason=str(exc.strerror or type(exc).__name__))


def _not_pkcs12(shown: str) -> Message:
    return Message("The PDF signing certificate %(path)s is not a PKCS#12 file (.p12).", path=shown)


def _looks_like_pkcs12(data: bytes) -> bool:
    """Whether ``data`` starts as a PKCS#12 ``PFX`` does: a DER sequence whose first element is
    the version, 3."""
    if len(data) < 5 or data[0] != 0x30:
        return False
    first = data[1]
    start = 2 if first < 0x80 else 2 + (first & 0x7F)
    return first != 0x80 and data[start:start + 3] == b"\x02\x01\x03"
