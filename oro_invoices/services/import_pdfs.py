"""The PDFs of an import's posted invoices, from a folder or a .zip (``import --pdfs``).

A record that names its file (``pdf_file``) gets that file from the folder or zip; a posted
invoice's record that names none gets ``<external_id>.pdf`` when there is one (otherwise its
PDF is rendered). In a zip a name matches an entry's full path, else the one entry with that
file name in any folder. Entries are read as they stream from the zip, one at a time:
nothing is extracted. A PDF larger than the API accepts (``MAX_PDF_BYTES``) is refused.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from types import TracebackType

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import MAX_PDF_BYTES
from oro_invoices.domain.messages import Message
from oro_invoices.services.import_reading import OUTSIDE, PdfFile, Problem, Record

__all__ = ["PdfLibrary"]


class PdfLibrary:
    """A folder or a zip of PDFs, looked up by file name; a context manager (closes the zip)."""

    def __init__(self, where: Path):
        self.where = Path(where)
        self._zip: zipfile.ZipFile | None = None
        self._entries: set[str] = set()
        self._by_name: dict[str, list[str]] = {}  # file name -> the entries that have it
        if self.where.is_dir():
            self._root = self.where.resolve()
            return
        try:
            self._zip = zipfile.ZipFile(self.where)
        except (OSError, zipfile.BadZipFile) as exc:
            reason = "does not exist" if not self.where.exists() else f"is not a folder or a .zip file ({exc})"
            raise ValidationError([(str(self.where), f"The PDFs' folder or zip {reason}.")]) from None
        for info in self._zip.infolist():
            if not info.is_dir():
                self._entries.add(info.filename)
                self._by_name.setdefault(info.filename.rsplit("/", 1)[-1], []).append(info.filename)

    def __enter__(self) -> PdfLibrary:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __str__(self) -> str:
        return str(self.where)

    @property
    def archive(self) -> zipfile.ZipFile | None:
        """The zip the PDFs are in (None for a folder)."""
        return self._zip

    def find(self, name: str) -> tuple[PdfFile, int] | None:
        """The file ``name`` (a path inside the folder or zip) and its size, or None when it is not there."""
        if self._zip is None:
            try:
                path = (self._root / name).resolve()
                if path.is_relative_to(self._root) and path.is_file():
                    return path, path.stat().st_size
            except (OSError, ValueError):   # no file's name: too long, or a NUL (an external id may hold one)
                pass
            return None
        named = [name] if name in self._entries else self.named(name)
        if len(named) != 1:
            return None
        return zipfile.Path(self._zip, named[0]), self._zip.getinfo(named[0]).file_size

    def named(self, name: str) -> list[str]:
        """The zip's entries whose file name is that of ``name`` (none for a folder)."""
        return list(self._by_name.get(name.rsplit("/", 1)[-1], ())) if self._zip is not None else []

    def resolve(self, record: Record) -> Record:
        """``record`` with its PDF taken from here (a problem when the file it names is missing).

        An e-invoice brings its own: a Factur-X / ZUGFeRD PDF is its PDF; XML is kept, and CII
        XML is carried by the PDF made for it."""
        if record.fatal or record.einvoice is not None:
            return record
        if record.pdf_name is not None:  # looked for here, not beside the file (``import_reading.OUTSIDE``)
            record.problems = [p for p in record.problems
                               if not (p.field == "pdf_file" and getattr(p.message, "msgid", None) == OUTSIDE)]
        found = None
        if record.pdf_name:
            found = self.find(record.pdf_name)
            if found is None and not self._ambiguous(record, record.pdf_name):
                record.problems.append(Problem(record.location, "pdf_file",
                                               f"{record.pdf_name} is not in {self.where}."))
        elif record.payload.get("status") == "posted" and record.payload.get("external_id"):
            found = self.find(f"{record.payload['external_id']}.pdf")
            if found is None:
                self._ambiguous(record, f"{record.payload['external_id']}.pdf")
        record.pdf_path = found[0] if found else None
        if found and found[1] > MAX_PDF_BYTES:
            record.problems.append(Problem(record.location, "pdf_file", f"{found[0]} is larger than "
                                                                        f"{MAX_PDF_BYTES // (1024 * 1024)} MiB."))
        return record

    def _ambiguous(self, record: Record, name: str) -> bool:
        """Whether several entries of the zip have the file name ``name`` and no entry is
        ``name`` itself; if so, a problem on ``record`` says which."""
        named = self.named(name) if name not in self._entries else []
        if len(named) < 2:
            return False
        record.problems.append(Problem(record.location, "pdf_file", Message(
            "%(name)s is ambiguous: %(count)s entries of %(zip)s are named so (%(entries)s). Give the path "
            "inside the zip.", name=name, count=len(named), zip=str(self.where), entries=tuple(sorted(named)))))
        return True
