"""Whether a PDF storage can be used at all, asked once before a command reads or writes PDFs.

A storage that cannot be reached (an S3 endpoint that does not answer, refused credentials, a
local folder that does not exist) otherwise shows as every PDF missing, or as nothing to do.
"""
from __future__ import annotations

import os

from oro_invoices.documents.object_storage import FsspecStorage
from oro_invoices.documents.storage import LocalStorage, Storage
from oro_invoices.domain.errors import StorageError

__all__ = ["ensure_reachable"]


def ensure_reachable(storage: Storage, *, may_be_new: bool = False) -> None:
    """Return when ``storage`` answers; a storage of another kind (a host's own) is taken as it is.

    :param may_be_new: a local folder that does not exist yet is accepted (the first PDFs to be
        stored make it), as when PDFs are pending.
    :raises StorageError: "Cannot reach the PDF storage …: <reason>".
    """
    if isinstance(storage, LocalStorage):
        if may_be_new and not storage.root.exists():
            return
        reason = _local_problem(storage)
        if reason:
            raise StorageError(f"Cannot reach the PDF storage {storage.root}: {reason}")
    elif isinstance(storage, FsspecStorage):
        storage.reach()


def _local_problem(storage: LocalStorage) -> str | None:
    root = storage.root
    if not root.exists():
        return "the folder does not exist (create it, or correct the storage URL)"
    if not root.is_dir():
        return "it is a file, not a folder"
    if not os.access(root, os.R_OK | os.X_OK):
        return "the folder cannot be read (permission denied)"
    return None
