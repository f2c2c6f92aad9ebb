"""Rendering a backlog of pending PDFs in worker processes, each with its own add-on.

    from oro_invoices.pdf_workers import render_missing_pdfs

    result = render_missing_pdfs(AddonConfig(database_url=..., storage_url=..., host="myshop"),
                                 invoice_ids, workers=4)

Rendering a PDF is CPU-bound (WeasyPrint), so a backlog is split into batches handed to a
pool of processes. Each worker builds its own add-on from the same ``AddonConfig`` through
the composition root (its own database connections, settings, storage and renderer) and
calls the idempotent ``InvoiceService.ensure_pdf`` for each invoice of a batch. Workers are
started fresh (``forkserver``, else ``spawn``): nothing of the caller's connections or threads
is inherited, and the configuration must be picklable (a host given by entry-point name, no lambdas); with
``workers=1`` everything runs in this process and any configuration, or a host object, does.
Where the platform has it, workers are forked from a fork server that has imported the
add-on and WeasyPrint once (``PRELOAD``), so each starts without importing them again.

A background job system can call ``render_missing_pdfs`` as it is, or run
``services.pdf_backlog.render_pdfs`` in its own workers.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable
from multiprocessing.util import Finalize

from oro_invoices.adapters.base import HostAdapter
from oro_invoices.composition import Addon, AddonConfig, build_addon
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.services.pdf_backlog import BacklogResult, pending_pdfs, render_pdfs

__all__ = ["BATCH", "default_workers", "render_missing_pdfs"]

#: invoices a worker renders per task (at most): small enough to spread the work, large enough
#: that handing out tasks costs nothing beside rendering
BATCH = 20

#: modules the fork server imports once for every worker it starts
PRELOAD = ["oro_invoices.pdf_workers", "oro_invoices.documents.render"]

_worker_addon: Addon | None = None


def default_workers() -> int:
    """The number of CPUs this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


def render_missing_pdfs(config: AddonConfig, invoice_ids: Iterable[int] | None = None, *,
                        workers: int | None = None, batch: int = BATCH, actor: str = "system",
                        host: HostAdapter | None = None,
                        progress: Callable[[int, int], None] | None = None) -> BacklogResult:
    """Render the pending PDFs of ``invoice_ids`` (None: every pending PDF) in ``workers`` processes.

    Invoices whose PDF is no longer pending are skipped, so running it twice, or while
    another run renders the same invoices, stores one PDF per invoice.

    :param workers: processes to render in (default: the CPUs); 1 renders in this process.
    :param host: a host object for rendering in this process (``workers=1`` only).
    :param progress: ``progress(done, total)`` after each batch (each invoice in this process).
    :raises ConfigurationError: several workers with a configuration that cannot be pickled,
        or a host object.
    """
    wanted = None if invoice_ids is None else list(invoice_ids)
    count = default_workers() if workers is None else workers
    if count < 1:
        raise ConfigurationError(f"PDF workers must be at least 1, not {count}.")
    if batch < 1:
        raise ConfigurationError(f"A PDF batch must hold at least 1 invoice, not {batch}.")
    if count > 1 and host is not None:
        raise ConfigurationError("A host object cannot be handed to worker processes: "
                                 "name the host in the configuration, or render with one worker.")
    with build_addon(config, host=host) as addon:
        pending = pending_pdfs(addon.invoices, wanted)
        if count == 1 or len(pending) <= 1:
            step = _counter(len(pending), progress)
            return render_pdfs(addon.invoices, pending, actor=actor, done=lambda _: step(1))
    # a worker never migrates; a mapping proxy cannot be pickled
    config = dataclasses.replace(config, migrate=False, host_options=dict(config.host_options))
    _check_picklable(config)
    size = min(batch, -(-len(pending) // count))  # a short list is still spread over every worker
    batches = [pending[i:i + size] for i in range(0, len(pending), size)]
    return _in_workers(config, batches, min(count, len(batches)), actor, _counter(len(pending), progress))


def _in_workers(config: AddonConfig, batches: list[list[int]], workers: int, actor: str,
                step: Callable[[int], None]) -> BacklogResult:
    result = BacklogResult()
    with concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=_start_method(),
            initializer=_start_worker, initargs=(config,)) as pool:
        futures = {pool.submit(_render_batch, ids, actor): ids for ids in batches}
        for future in concurrent.futures.as_completed(futures):
            ids = futures[future]
            try:
                result.add(future.result())
            except Exception as exc:  # the worker died or could not start: these stay pending
                result.failed += [(i, f"the PDF worker failed: {type(exc).__name__}: {exc}") for i in ids]
            step(len(ids))
    return result


def _start_method() -> multiprocessing.context.BaseContext:
    """A fork server that has imported ``PRELOAD`` where the platform has one, else ``spawn``."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)   # no effect once the fork server runs: it has them
    return context


def _counter(total: int, progress: Callable[[int, int], None] | None) -> Callable[[int], None]:
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)
    return step


def _check_picklable(config: AddonConfig) -> None:
    try:
        pickle.dumps(config)
    except Exception as exc:
        raise ConfigurationError(
            "PDF worker processes build their add-on from the configuration, which cannot be "
            f"pickled ({type(exc).__name__}: {exc}); give the host by name and no lambdas, or "
            "render with one worker.") from None


def _start_worker(config: AddonConfig) -> None:
    """In a worker: build its add-on once; it is closed when the worker exits."""
    global _worker_addon
    _worker_addon = build_addon(config)
    Finalize(None, _worker_addon.close, exitpriority=10)


def _render_batch(invoice_ids: list[int], actor: str) -> BacklogResult:
    assert _worker_addon is not None, "the worker was not started with _start_worker"
    return render_pdfs(_worker_addon.invoices, invoice_ids, actor=actor)
