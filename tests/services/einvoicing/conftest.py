"""A service that makes e-invoices for ``SELLER`` (memory host, PDFs stored under the test's
folder) and its German business customer Acme, for the tests of this folder."""
from __future__ import annotations

from typing import Any

import pytest
from support.einvoices import SELLER_SETTINGS

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService


@pytest.fixture
def host() -> MemoryHost:
    return MemoryHost()


@pytest.fixture
def settings(host: MemoryHost) -> Settings:
    settings = Settings(host.config)
    settings.apply({"oro_invoices.einvoice.enabled": True,
                    **{f"oro_invoices.seller.{k}": v for k, v in SELLER_SETTINGS.items()}})
    return settings


@pytest.fixture
def storage(tmp_path: Any) -> LocalStorage:
    return LocalStorage(tmp_path / "pdf")


@pytest.fixture
def make_service(db: Any, settings: Settings, storage: LocalStorage, host: MemoryHost) -> Any:
    """``make_service(jobs=None)``: a service on the folder's database, settings, storage and host."""
    def make(jobs: Any = None) -> InvoiceService:
        return InvoiceService(db, plugins=get_plugin_manager(False), settings=settings, storage=storage,
                              renderer=PdfRenderer(), host=host, jobs=jobs)
    return make


@pytest.fixture
def svc(make_service: Any) -> InvoiceService:
    return make_service()


@pytest.fixture
def acme(host: MemoryHost) -> Any:
    return host.add_customer("Acme Industries AG", vat_id="DE136695976", country_code="DE",
                             buyer_reference="04011000-12345-03")
