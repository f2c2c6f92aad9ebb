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
import io
import os
import threading
from typing import Any

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.messages import Message

#: The environment variable holding the PKCS#12 file's passphrase (never a setting).
PASSPHRASE_ENV = "ORO_INVOICES_SIGNING_PASSPHRASE"
FIELD_NAME = "InvoiceSignature"

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
                                         path=repr(path), reason=str(exc.strerror or exc))) from None
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
                    "passphrase in $%(variable)s is wrong.", path=repr(path), variable=PASSPHRASE_ENV))
            _signers.clear()
            _signers[key] = found
        return found
