"""InvoiceService is a facade over composed services; atomic() is one unit of work."""
import pytest
from support.payloads import invoice_payload

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.errors import ConfigurationError, UsageError
from oro_invoices.integration.config import load_schema
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.facade import InvoiceService


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def invoice_created(self, invoice, actor):
        self.seen.append(("created", invoice.external_id))

    @hookimpl
    def invoice_posted(self, invoice, actor):
        self.seen.append(("posted", invoice.external_id))


class FakeRenderer:
    """Renders without WeasyPrint (and has no variants)."""

    def __init__(self):
        self.rendered = []

    def render(self, invoice, *, payment_url=None, extra_context=None):
        self.rendered.append(invoice.id)
        return b"%PDF-1.7 " + str(invoice.id).encode()


def test_the_facade_exposes_what_it_was_built_with(db, tmp_path):
    storage, renderer, plugins = LocalStorage(tmp_path / "pdf"), FakeRenderer(), get_plugin_manager(False)
    svc = InvoiceService(db, plugins=plugins, storage=storage, renderer=renderer)
    assert isinstance(svc.context, ServiceContext)
    assert (svc.db, svc.plugins, svc.storage, svc.renderer) == (db, plugins, storage, renderer)
    assert svc.settings is None and svc.host is None
    assert svc.payment_url(svc.create(invoice_payload())) is None
    assert svc.clock().tzinfo is not None
    assert not hasattr(svc, "list")


def test_without_settings_every_value_is_the_schema_default(service):
    for spec in load_schema():
        assert service.setting(spec.key, organization_id=1) == spec.default
    with pytest.raises(ConfigurationError, match="not declared in config_schema.yaml"):
        service.setting("oro_invoices.no_such_setting")


def test_find_id_without_a_reference_is_a_usage_error(service):
    with pytest.raises(UsageError, match="external_id, invoice_number or payment_token"):
        service.find_id(organization_id=1)


def test_atomic_cannot_be_nested_and_the_outer_batch_still_commits(service):
    with service.atomic():
        created = service.create(invoice_payload(external_id="OUTER"))
        with pytest.raises(UsageError, match="cannot be nested"), service.atomic():
            pass
    assert service.get(created.id).external_id == "OUTER"


def test_atomic_announces_after_the_commit_and_nothing_on_a_rollback(db):
    events = Events()
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[events]))
    with svc.atomic():
        draft = svc.create(invoice_payload(external_id="A"))
        svc.post(draft.id)
        assert events.seen == []
    assert events.seen == [("created", "A"), ("posted", "A")]
    with pytest.raises(RuntimeError, match="stop"), svc.atomic():
        svc.create(invoice_payload(external_id="B"))
        raise RuntimeError("stop")
    assert events.seen == [("created", "A"), ("posted", "A")]
    assert [i.external_id for i in svc.list_invoices().items] == ["A"]


def test_atomic_posts_with_the_pdf_inside_the_transaction(db, tmp_path):
    renderer = FakeRenderer()
    svc = InvoiceService(db, plugins=get_plugin_manager(False), storage=LocalStorage(tmp_path / "pdf"),
                         renderer=renderer)
    seen_by_callback = []
    with svc.atomic() as batch:
        posted = svc.create(invoice_payload(status="posted"))
        assert posted.pdf is not None and posted.pdf.source == "generated"   # made as it was posted
        batch.on_commit(lambda: seen_by_callback.append(svc.get(posted.id).pdf))
    assert seen_by_callback == [posted.pdf]
    assert renderer.rendered == [posted.id]
