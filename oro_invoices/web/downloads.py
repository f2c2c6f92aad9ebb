"""The stored PDF as a download: one response shape for the back-office, the storefront and the API;
the ZIP archive of many (``archive_download``); the statements made for a request (PDF, CSV); the
Content-Type a stored text file is served with (``served_type``)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from oro_invoices.documents.filenames import invoice_filename, pdf_filename
from oro_invoices.documents.storage import SigningStorage, Storage, sha256_hex
from oro_invoices.domain.errors import StorageError
from oro_invoices.domain.invoice import InvoiceDocument, PdfInfo
from oro_invoices.i18n import N_, current_language, translate
from oro_invoices.integration.config import Settings
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.persistence.read_models import InvoiceSummary
from oro_invoices.persistence.received_payments import receipt_number
from oro_invoices.services.activity_statement import ActivityStatement, activity_csv_text
from oro_invoices.services.aging import AgingReport
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.pdf_archive import pdf_archive
from oro_invoices.services.statement import Statement
from oro_invoices.web.http import Request, Response

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
#: Private to the user, and checked with the server before reuse (the ETag makes that cheap).
CACHE_CONTROL = "private, no-cache"
#: ``stream`` (through the web process) or ``presigned`` (a redirect to the object store).
DOWNLOAD_SETTING = "oro_invoices.storage.download"
#: Seconds a presigned download URL works.
PRESIGNED_TTL_SETTING = "oro_invoices.storage.presigned_ttl"
#: What a stored file that does not have its recorded size is said to be (naming no storage).
ENDED_EARLY = N_("The stored file ended early.")
RUNS_LONGER = N_("The stored file is longer than recorded.")


def document_name(doc: InvoiceDocument, extension: str = "pdf") -> str:
    """The file name of ``doc``'s PDF or XML: the name its email attachment has."""
    return invoice_filename(doc.display_number, credit_note=doc.is_credit_note, extension=extension)


def served_type(content_type: str, data: bytes) -> str:
    """The Content-Type to serve the stored ``data`` with: a ``text/*`` type naming no charset
    gets ``; charset=utf-8`` when ``data`` is UTF-8 (the add-on writes its text files so), since
    a browser or spreadsheet would otherwise guess, and garble every character beyond ASCII;
    bytes that are not UTF-8 are served as stored, their charset unknown."""
    media, _, params = content_type.partition(";")
    if not media.strip().lower().startswith("text/") or "charset=" in params.lower().replace(" ", ""):
        return content_type
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return content_type
    return f"{content_type}; charset=utf-8"


def etag_matches(header: str | None, sha256: str) -> bool:
    """Whether an ``If-None-Match`` header names this content (or ``*``)."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/").strip('"') == sha256 for t in tags)


def not_modified(request: Request, info: PdfInfo) -> Response | None:
    """A 304 when the client already has these bytes, else None."""
    if not etag_matches(request.header("if-none-match"), info.sha256):
        return None
    return Response(status=304, body=b"", content_type=PDF,
                    headers={"ETag": f'"{info.sha256}"', "Cache-Control": CACHE_CONTROL})


class FileChunks:
    """A file's bytes in ``CHUNK``-sized pieces; the file is closed after the last one or by ``close()``.

    Servers call ``close()`` when a client goes away (WSGI) or a HEAD request needs no body,
    so the file is closed even when it is never read.
    """

    def __init__(self, stream: BinaryIO):
        self.stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with self.stream:
            while chunk := self.stream.read(CHUNK):
                yield chunk

    def close(self) -> None:
        self.stream.close()


class StoredChunks(FileChunks):
    """The chunks of a stored file of ``size`` bytes, the first one read before the response
    starts (``started``): a storage that fails at once raises there, so the request is answered
    with an error page (503 for a storage out of reach), not a download.

    A storage that fails later, or a file that ends before (or runs past) ``size`` bytes, is
    logged naming ``what`` and the storage, and the response is broken off by raising: the
    server then drops the connection short of the ``Content-Length`` it sent, and the browser
    or client reports an incomplete (failed) download, never a shorter file as complete.
    """

    def __init__(self, stream: BinaryIO, size: int, what: str, storage: object):
        super().__init__(stream)
        self.size, self.what, self.storage = size, what, storage
        self._first = b""

    def started(self) -> StoredChunks:
        """These chunks with the first one read (the stream is closed when that fails, or when
        the file is shorter than that chunk should be)."""
        try:
            self._first = self.stream.read(CHUNK)
            if len(self._first) < min(CHUNK, self.size):
                raise self._broken(0, StorageError.shown_as_is(ENDED_EARLY))
        except BaseException:
            self.stream.close()
            raise
        return self

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        with self.stream:
            chunk, self._first = self._first, b""
            while chunk:
                if sent + len(chunk) > self.size:
                    raise self._broken(sent, StorageError.shown_as_is(RUNS_LONGER))
                yield chunk
                sent += len(chunk)
                try:
                    chunk = self.stream.read(CHUNK)
                except Exception as exc:
                    self._broken(sent, exc)
                    raise
            if sent < self.size:
                raise self._broken(sent, StorageError.shown_as_is(ENDED_EARLY))

    def _broken(self, sent: int, exc: Exception) -> Exception:
        """``exc``, logged as what broke the download of ``what`` off after ``sent`` bytes."""
        reason = exc.message if isinstance(exc, StorageError) else f"{type(exc).__name__}: {exc}"
        log.error("The download of %s from %r broke off after %d of %d bytes: %s", self.what, self.storage,
                  sent, self.size, reason)
        return exc


def pdf_download(info: PdfInfo, stream: BinaryIO, filename: str, *, invoice_id: int | None = None,
                 storage: object = None) -> Response:
    """Stream ``stream`` (the stored PDF described by ``info``) as the attachment ``filename``
    (``documents.filenames``, the name its email attachment has); closes the stream.

    The first chunk is read here, so a storage that fails at once raises (``StorageUnreachable``:
    a 503 page or API answer) before any header is sent; a later failure is logged naming the
    invoice ``invoice_id`` and ``storage`` and cuts the download short (``StoredChunks``).
    """
    what = f"the PDF of invoice {invoice_id}" if invoice_id is not None else f"the PDF {filename}"
    body = StoredChunks(stream, info.size, what, storage).started()
    return Response(status=200, body=body, content_type=PDF, headers=_pdf_headers(info, filename))


def pdf_head(info: PdfInfo, filename: str) -> Response:
    """What a HEAD request of the stored PDF ``info`` answers: the headers its GET sends (the
    length, type, file name and ETag, all recorded), the storage neither opened nor read."""
    return Response(status=200, body=iter(()), content_type=PDF, headers=_pdf_headers(info, filename))


def is_head(request: Request) -> bool:
    """Whether ``request`` asks for the headers only."""
    return request.method.upper() == "HEAD"


def _pdf_headers(info: PdfInfo, filename: str) -> dict[str, str]:
    return {"ETag": f'"{info.sha256}"', "Content-Length": str(info.size),
            "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": CACHE_CONTROL}


def archive_download(service: InvoiceService, filters: InvoiceFilter, stem: str,
                     admits: Callable[[InvoiceSummary], bool] | None = None,
                     order: tuple[str, Sequence[str] | None] = ("id", None)) -> Response:
    """The stored PDFs of the posted invoices ``filters`` selects as one streamed ZIP archive,
    ``<stem>-YYYY-MM-DD.zip`` (today in the time zone of ``filters``' organization and website:
    the admin's, the customer's, the API client's; ``services.pdf_archive``; ``admits``: as there; ``order``: its
    sort and status order, a list's ``listing.read_order``), its
    ``missing.txt`` in the language of this request. A filter no listing accepts raises
    ``ValidationError`` here, before the archive starts."""
    filters = service.checked_filter(filters)
    language = current_language()            # the archive is written after this request is over
    name = f"{stem}-{service.books_today(filters).isoformat()}.zip"
    return Response(status=200, body=pdf_archive(service, filters, lambda m: translate(language, m),
                                                 admits=admits, sort=order[0], status_order=order[1]),
                    content_type="application/zip", headers={
                        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


def xml_download(xml: bytes, filename: str) -> Response:
    """An invoice's e-invoice XML (``InvoiceService.open_xml``), as the attachment ``filename``."""
    return Response(status=200, body=xml, content_type="application/xml", headers={
        "ETag": f'"{sha256_hex(xml)}"', "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": CACHE_CONTROL})


def receipt_download(service: InvoiceService, invoice_id: int, transaction_id: int) -> Response:
    """The receipt PDF of the invoice's payment or refund ``transaction_id``, made for this request,
    as ``receipt-<invoice number>-R<transaction id>.pdf`` (404 when there is none)."""
    doc, pdf = service.receipt_pdf(invoice_id, transaction_id)
    name = pdf_filename(receipt_number(doc.display_number, transaction_id), "receipt")
    return Response(status=200, body=pdf, content_type=PDF, headers={
        "ETag": f'"{sha256_hex(pdf)}"', "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": CACHE_CONTROL})


def statement_download(service: InvoiceService, statement: Statement) -> Response:
    """A customer's statement (``InvoiceService.statement_pdf``), made for this request, as
    ``statement-<customer>-<date>.pdf`` (never cached: each payment changes it)."""
    pdf = service.statement_pdf(statement)
    return Response(status=200, body=pdf, content_type=PDF, headers={
        "Content-Disposition": f'attachment; filename="{statement_file_name(statement, "pdf")}"',
        "Cache-Control": "private, no-store"})


def aging_download(service: InvoiceService, report: AgingReport, organization_id: int) -> Response:
    """An organization's receivables aging (``InvoiceService.aging_pdf``), made for this request,
    as ``aging-<date>.pdf`` (never cached)."""
    return Response(status=200, body=service.aging_pdf(report, organization_id=organization_id), content_type=PDF,
                    headers={"Content-Disposition": f'attachment; filename="aging-{report.as_of.isoformat()}.pdf"',
                             "Cache-Control": "private, no-store"})


def activity_download(service: InvoiceService, found: ActivityStatement) -> Response:
    """A customer's activity statement (``InvoiceService.activity_pdf``), made for this request,
    as ``activity-<customer>-<from>-<to>.pdf`` (never cached)."""
    return Response(status=200, body=service.activity_pdf(found), content_type=PDF, headers={
        "Content-Disposition": f'attachment; filename="{activity_file_name(found, "pdf")}"',
        "Cache-Control": "private, no-store"})


def activity_csv_download(found: ActivityStatement) -> Response:
    """A customer's activity statement as CSV (``activity_csv_text``, in the current language), as
    ``activity-<customer>-<from>-<to>.csv`` (never cached)."""
    return Response(status=200, body=activity_csv_text(found).encode("utf-8"), content_type=CSV, headers={
        "Content-Disposition": f'attachment; filename="{activity_file_name(found, "csv")}"',
        "Cache-Control": "private, no-store"})


def activity_file_name(found: ActivityStatement, extension: str) -> str:
    """``activity-<customer id>-<from>-<to>.<extension>``."""
    return f"activity-{found.customer_id}-{found.start.isoformat()}-{found.end.isoformat()}.{extension}"


def statement_file_name(statement: Statement, extension: str) -> str:
    """``statement-<customer id>-<date>.<extension>`` (``statement-<date>`` without a customer)."""
    who = f"-{statement.customer_id}" if statement.customer_id is not None else ""
    return f"statement{who}-{statement.as_of.isoformat()}.{extension}"


def presigned_download(storage: Storage | None, settings: Settings | None, info: PdfInfo,
                       filename: str) -> Response | None:
    """A redirect to a short-lived presigned URL of the stored PDF, when ``DOWNLOAD_SETTING`` is
    ``presigned`` and the storage can sign (S3); None when the PDF is to be streamed.

    Call it only after the permission check: the URL works for whoever holds it until it expires.
    """
    if not isinstance(storage, SigningStorage) or settings is None \
            or settings.value(DOWNLOAD_SETTING) != "presigned":
        return None
    url = storage.presigned_url(info.sha256, expires_in=int(settings.value(PRESIGNED_TTL_SETTING)),
                                filename=filename, content_type=PDF)
    return Response(status=302, body=b"", headers={"Location": url, "Cache-Control": "no-store"})
