"""Back-office Import E-Invoices: Factur-X / ZUGFeRD PDFs and CII XML files uploaded from
the grid become posted invoices and credit notes of the admin's organization.

Each file is taken on its own (``services.einvoice_intake.take_einvoice``, as the API's
``POST /e-invoices``): the page then lists, per file, the invoice it made, the one an
earlier upload of it made, or every problem that kept it out; an imported file whose follow-ups
(a plugin's hook, its PDF job) failed after its commit is imported all the same, and says so.
The database or the PDF storage out of reach, busy or not migrated stops the run: the files
taken stay listed, the rest are listed as not imported, saying why and what to do, and the page
answers 503 with ``Retry-After``. It needs the
``oro_invoices.import`` permission and an admin of an organization, since every invoice
belongs to one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from oro_invoices.domain.errors import DatabaseBusy, DatabaseNotMigrated, InvoiceError, StorageError, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.i18n import N_, _
from oro_invoices.services import follow_ups
from oro_invoices.services.einvoice_intake import take_einvoice
from oro_invoices.web import guard
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.backoffice_actions import actor_of
from oro_invoices.web.errors import headers_for
from oro_invoices.web.http import Request, Response

PERMISSION = "oro_invoices.import"
TEMPLATE = "admin/import.html"
FIELD = "files"
#: files taken in one upload (more is an archive: ``oro-invoices import``, docs/import.md)
MAX_FILES = 50
#: What a file the run stopped at, or did not reach, says (an outage: nothing of it was written),
#: by what the outage was (``outage_kind``).
NOT_REACHED = {
    "busy": N_("The invoices' database was busy with another change, so this file was not imported: "
               "import it again in a moment."),
    "not_migrated": N_("The invoice tables are missing from the database, so this file was not imported: "
                       "an administrator runs its migrations (oro-invoices migrate), then import it again."),
    "database": N_("The invoices' database could not be reached, so this file was not imported: "
                   "import it again."),
    "storage": N_("The document storage could not be reached, so this file was not imported: "
                  "import it again."),
}


def outage_kind(exc: BaseException) -> str:
    """What the outage ``exc`` (``guard.outage``) is: ``busy``, ``not_migrated``, ``storage`` or
    ``database`` (out of reach)."""
    if isinstance(exc, DatabaseNotMigrated):
        return "not_migrated"
    if isinstance(exc, DatabaseBusy):
        return "busy"
    return "storage" if isinstance(exc, StorageError) else "database"


@dataclass
class FileOutcome:
    """What became of one uploaded file: ``outcome`` is created, unchanged, updated, refused, or
    stopped (an outage kept it out: nothing is wrong with it); ``warnings``: what followed the
    commit of its invoice and failed (``follow_ups``)."""

    filename: str
    outcome: str
    invoice: InvoiceDocument | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class ImportPages:
    """The Import E-Invoices form and its upload."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def import_form(self, req: Request) -> Response:
        self.pages.check(req, PERMISSION)
        return self._page(req)

    def import_files(self, req: Request) -> Response:
        """Take each uploaded file; show what became of each (422 when none was taken)."""
        self.pages.check(req, PERMISSION)
        organization_id = getattr(req.user, "organization_id", None)
        if organization_id is None:
            return self._page(req, status=403)
        sent = [(name, data) for name, data in req.file_lists.get(FIELD, []) if name or data]
        if not sent:
            return self._page(req, error=_("Choose one or more e-invoice files (PDF or XML)."), status=422)
        if len(sent) > MAX_FILES:
            return self._page(req, error=_("At most %(count)s files can be imported at once; for an archive, "
                                           "use the import command.", count=MAX_FILES), status=422)
        results: list[FileOutcome] = []
        for name, data in sent:
            try:
                results.append(self._take(req, organization_id, name, data))
            except Exception as exc:
                if not guard.outage(exc):
                    raise
                return self._stopped(req, exc, results, [name for name, _data in sent[len(results):]])
        taken = any(r.outcome != "refused" for r in results)
        return self._page(req, results=results, status=200 if taken else 422)

    def _stopped(self, req: Request, exc: BaseException, results: list[FileOutcome],
                 left: list[str]) -> Response:
        """The files taken before an outage, then those it kept out, above what the outage was;
        503 with ``Retry-After``, as any page the database or storage cannot serve."""
        status, message = guard.friendly(exc)   # logs the outage, names no host or storage
        problem = _(NOT_REACHED[outage_kind(exc)])
        results = [*results, *(FileOutcome(name, "stopped", problems=[problem]) for name in left)]
        # a page the outage keeps from being made too is the plain 503 page
        resp = self._page(req, results=results, error=message, status=status)
        resp.headers.update(headers_for(exc))
        return resp

    def _take(self, req: Request, organization_id: int, name: str, data: bytes) -> FileOutcome:
        try:  # a file too large is one of the problems take_einvoice names
            with follow_ups.noted() as failed:  # committed, but what followed failed: imported all the same
                doc, outcome = take_einvoice(self.ctx.service, data, organization_id=organization_id,
                                             actor=actor_of(req))
        except ValidationError as exc:
            return FileOutcome(name, "refused", problems=[_("%(field)s: %(problem)s", field=f, problem=_(m)) if f else _(m)
                                                          for f, m in exc.errors])
        except InvoiceError as exc:  # sent before and different, storage …: said as any page says it
            if guard.outage(exc):   # nothing wrong with the file: the run stops (``_stopped``)
                raise
            return FileOutcome(name, "refused", problems=[guard.friendly(exc)[1]])
        return FileOutcome(name, outcome, doc,
                           warnings=list(dict.fromkeys(_(follow_ups.said(f)) for f in failed)))

    def _page(self, req: Request, *, results: list[FileOutcome] | None = None, error: str = "",
              status: int = 200) -> Response:
        html = self.ctx.render(TEMPLATE, req, results=results or [], form_error=error,
                               organization=getattr(req.user, "organization_id", None), max_files=MAX_FILES)
        return Response.html(html, status=status, title=_("Import E-Invoices"))
