"""Hook specs: documented, tested, loaded by the factory, defaults overridable."""
from __future__ import annotations

import datetime as dt
import inspect
import re
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pluggy
import pytest
from sqlalchemy import text
from support.invoices import make_invoice_document

from oro_invoices.domain.events import PaymentStatusUpdated
from oro_invoices.domain.invoice import InvoiceDocument, PaymentStatus
from oro_invoices.integration import hookspecs, plugins
from oro_invoices.integration.hookspecs import ViewSection
from oro_invoices.integration.plugins import (
    InvalidPlugin,
    flatten,
    get_plugin_manager,
    hookimpl,
    merge_dicts,
)

ROOT = Path(__file__).resolve().parents[2]
TESTED: set[str] = set()


def covers(*hooks: str):
    """Record that the decorated test exercises ``hooks`` (checked by test_every_hook_is_tested)."""
    TESTED.update(hooks)
    return lambda fn: fn


NOW = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)


def specs() -> dict[str, list[str]]:
    return {name: list(inspect.signature(fn).parameters)
            for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, "oro_invoices_spec")}


@pytest.fixture
def invoice() -> InvoiceDocument:
    return make_invoice_document(id=7, posted=False, invoice_number=None, external_id="ERP-7",
                                 customer_id=2, customer_user_id=3, customer_name="ACME Corp",
                                 customer_user_email="bea@acme.test")


class Recorder:
    """A plugin implementing every event hook, recording the calls."""

    def __init__(self):
        self.calls: list[tuple] = []

    @hookimpl
    def invoice_created(self, invoice, actor):
        self.calls.append(("created", invoice.id, actor))

    @hookimpl
    def invoice_updated(self, invoice, actor):
        self.calls.append(("updated", invoice.id, actor))

    @hookimpl
    def invoice_posted(self, invoice, actor):
        self.calls.append(("posted", invoice.id, actor))

    @hookimpl
    def invoice_deleted(self, invoice, actor):
        self.calls.append(("deleted", invoice.id, actor))

    @hookimpl
    def invoice_paid(self, invoice, actor):
        self.calls.append(("paid", invoice.id, actor))

    @hookimpl
    def invoice_payment_status_changed(self, invoice, old_status, new_status, actor):
        self.calls.append(("status", invoice.id, old_status, new_status, actor))


# -- documentation ---------------------------------------------------------------------

def documented() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    found = re.findall(r"^#{2,4} (\w+)\(([^)]*)\)\s*$", text, re.MULTILINE)
    return {name: [a.strip() for a in args.split(",") if a.strip()] for name, args in found}


def test_every_hook_is_documented_under_its_signature():
    assert len(specs()) == 14
    assert documented() == specs()


def test_every_spec_docstring_describes_each_argument():
    problems = []
    for name, args in specs().items():
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        problems += [f"{name}: {a}" for a in args if f":param {a}:" not in doc]
        if getattr(hookspecs, name).oro_invoices_spec.get("firstresult") \
                and "Stops at the first non-None result" not in doc:
            problems.append(f"{name}: firstresult not stated")
    assert problems == []


def test_every_hook_is_tested():
    assert sorted(set(specs()) - TESTED) == []


# -- callers: a hookspec nothing calls is dead ---------------------------------------------

PACKAGE = ROOT / "oro_invoices"
# The ways the package calls a hook: the plugin manager's relay (``pm.hook.<name>(``), the
# services' helper taking the name (``_hook("<name>"``, ``ctx.hook("<name>"``; events go on
# to ``notify`` from there) and ``plugins.notify(pm, "<name>"`` itself.
CALL_FORMS = (
    re.compile(r"\.hook\.(\w+)\("),
    re.compile(r"\b_?hook\(\s*[\"'](\w+)[\"']"),
    re.compile(r"\bnotify\(\s*[^,()]+,\s*[\"'](\w+)[\"']"),
)


def called_hooks(source: str) -> set[str]:
    """The add-on hook names ``source`` calls in one of ``CALL_FORMS`` (``pytest_*`` hooks are
    pytest's: the conformance kit's own is specified in ``oro_invoices.testing.hookspecs``)."""
    return {name for form in CALL_FORMS for name in form.findall(source) if not name.startswith("pytest_")}


def package_callers() -> dict[str, list[str]]:
    """For each hook name called in the package, the modules calling it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in called_hooks(path.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("source,expected", [
    ("results = self.plugins.hook.invoice_email_context(invoice=invoice)", {"invoice_email_context"}),
    ('self._hook("invoice_paid", invoice=doc, actor=actor)', {"invoice_paid"}),
    ('self.ctx.hook("invoice_pdf_context", invoice=doc)', {"invoice_pdf_context"}),
    ("number = self._hook(\n    'invoice_number', invoice=doc)", {"invoice_number"}),
    ('notify(self.plugins, "invoice_posted", invoice=doc)', {"invoice_posted"}),
    ("notify(pm, name, **kwargs)", set()),
    ('pm.hook.invoice_posted  # not a call', set()),
    ('host.storefront.register_pay_hook(hook)', set()),
])
def test_call_forms_are_recognised(source, expected):
    assert called_hooks(source) == expected


def test_every_hook_has_a_caller_in_the_package():
    callers = package_callers()
    assert sorted(set(specs()) - set(callers)) == []


def test_every_called_hook_has_a_spec():
    assert sorted(set(package_callers()) - set(specs())) == []


# -- the factory -----------------------------------------------------------------------

def test_importing_creates_no_plugin_manager():
    assert not [n for n, v in vars(plugins).items() if isinstance(v, pluggy.PluginManager)]
    assert get_plugin_manager(False) is not get_plugin_manager(False)


def test_misspelt_hook_fails_at_startup():
    class Typo:
        @hookimpl
        def invoice_postd(self, invoice):
            pass

    with pytest.raises(InvalidPlugin) as refused:
        get_plugin_manager(load_entrypoints=False, plugins=[Typo()])
    assert str(refused.value).startswith("A plugin of oro-invoices cannot be used: unknown hook 'invoice_postd' in "
                                         "plugin <")
    assert str(refused.value).endswith("The hooks and their arguments are listed in docs/hooks.md; fix or "
                                       "uninstall the plugin.")
    assert isinstance(refused.value.__cause__, pluggy.PluginValidationError)


def test_unknown_argument_fails_at_registration():
    class Wrong:
        @hookimpl
        def invoice_posted(self, invoice, user):
            pass

    with pytest.raises(InvalidPlugin, match="user"):
        get_plugin_manager(load_entrypoints=False, plugins=[Wrong()])


def installed(tmp_path, monkeypatch, module: str, entry: str, source: str) -> None:
    """Install the plugin module ``module`` (``source`` after importing ``hookimpl``) under the
    entry point ``entry`` of the ``oro_invoices`` group, as a package installing it would."""
    (tmp_path / f"{module}.py").write_text("from oro_invoices.integration.plugins import hookimpl\n"
                                           + textwrap.dedent(source))
    dist = tmp_path / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[oro_invoices]\n{entry} = {module}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)


@covers("invoice_number")
def test_entry_point_plugins_are_loaded(tmp_path, monkeypatch, invoice):
    installed(tmp_path, monkeypatch, "short_numbers", "short", """
        @hookimpl
        def invoice_number(prefix, sequence):
            return f"{prefix}{sequence}"
    """)
    call = dict(invoice=invoice, prefix="INV-", posted_at=NOW, sequence=42)
    assert get_plugin_manager().hook.invoice_number(**call) == "INV-42"
    assert get_plugin_manager(load_entrypoints=False).hook.invoice_number(**call) \
        == "INV-2026-11-00042"
    assert get_plugin_manager(blocked=["short"]).hook.invoice_number(**call) \
        == "INV-2026-11-00042"


def test_an_installed_plugin_with_a_misspelt_hook_is_one_error_line_of_the_command_line(tmp_path, monkeypatch,
                                                                                       sqlite_db, capsys):
    installed(tmp_path, monkeypatch, "typo_plugin", "typo", """
        @hookimpl
        def invoice_postd(invoice, actor):
            pass
    """)
    from oro_invoices.cli import main
    assert main(["verify", "--db", sqlite_db.url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: A plugin of oro-invoices cannot be used: unknown hook 'invoice_postd' in plugin ")
    assert "Traceback" not in err and err.count("\n") == 1


# -- numbering -------------------------------------------------------------------------

@covers("invoice_number")
@pytest.mark.parametrize("prefix,posted_at,sequence,expected", [
    ("INV-", NOW, 1, "INV-2026-11-00001"),
    ("ACME/", dt.datetime(2027, 1, 31, 23, 59, tzinfo=dt.UTC), 321, "ACME/2027-01-00321"),
    ("", NOW, 123456, "2026-11-123456"),
])
def test_default_number(invoice, prefix, posted_at, sequence, expected):
    pm = get_plugin_manager(load_entrypoints=False)
    assert pm.hook.invoice_number(invoice=invoice, prefix=prefix, posted_at=posted_at,
                                  sequence=sequence) == expected


@covers("invoice_number")
def test_a_plugin_overrides_or_defers_to_the_default(invoice):
    class ByCustomer:
        @hookimpl
        def invoice_number(self, invoice, sequence):
            return f"C{invoice.customer_id}-{sequence}" if invoice.customer_id == 2 else None

    pm = get_plugin_manager(load_entrypoints=False, plugins=[ByCustomer()])
    call = dict(prefix="INV-", posted_at=NOW, sequence=5)
    assert pm.hook.invoice_number(invoice=invoice, **call) == "C2-5"
    other = InvoiceDocument(**{**invoice.__dict__, "customer_id": 9})
    assert pm.hook.invoice_number(invoice=other, **call) == "INV-2026-11-00005"


@covers("invoice_number")
def test_blocking_the_default_number_plugin(invoice):
    pm = get_plugin_manager(load_entrypoints=False,
                            blocked=["oro_invoices.integration.default_plugins.numbering"])
    assert pm.hook.invoice_number(invoice=invoice, prefix="INV-", posted_at=NOW,
                                  sequence=1) is None


# -- lifecycle -------------------------------------------------------------------------

@covers("invoice_created", "invoice_updated", "invoice_posted", "invoice_deleted",
        "invoice_paid", "invoice_payment_status_changed")
def test_lifecycle_events_reach_plugins(invoice):
    recorder = Recorder()
    hook = get_plugin_manager(load_entrypoints=False, plugins=[recorder]).hook
    for event in ("created", "updated", "posted", "deleted", "paid"):
        getattr(hook, f"invoice_{event}")(invoice=invoice, actor="alice")
    hook.invoice_payment_status_changed(invoice=invoice, old_status=PaymentStatus.PENDING,
                                        new_status=PaymentStatus.PAID_IN_FULL, actor="stripe")
    assert recorder.calls == [
        ("created", 7, "alice"), ("updated", 7, "alice"), ("posted", 7, "alice"),
        ("deleted", 7, "alice"), ("paid", 7, "alice"),
        ("status", 7, PaymentStatus.PENDING, PaymentStatus.PAID_IN_FULL, "stripe")]


@covers("invoice_payment_status_updated")
def test_the_outgoing_event_reaches_plugins():
    event = PaymentStatusUpdated(
        id="6f1c0d5e-0000-4000-8000-000000000001", occurred_at=NOW, invoice_id=7,
        invoice_number="INV-2026-11-00007", organization_id=1, status=PaymentStatus.PAID_PARTIALLY,
        previous_status=PaymentStatus.PENDING, amount_paid=Decimal("40.00"),
        amount_due=Decimal("60.00"), currency="USD")
    seen = []

    class Listener:
        @hookimpl
        def invoice_payment_status_updated(self, event):
            seen.append(event.as_json())

    hook = get_plugin_manager(load_entrypoints=False, plugins=[Listener()]).hook
    hook.invoice_payment_status_updated(event=event)
    assert seen == [{
        "id": "6f1c0d5e-0000-4000-8000-000000000001", "type": "invoice.payment_status_updated",
        "occurred_at": "2026-11-03T09:30:00+00:00",
        "data": {"invoice_id": 7, "invoice_number": "INV-2026-11-00007", "organization_id": 1,
                 "status": {"value": "paid_partially", "label": "Paid partially"},
                 "previous_status": {"value": "pending", "label": "Pending payment"},
                 "amount_paid": "40.00", "amount_due": "60.00", "currency": "USD",
                 "overdue": False, "days_overdue": 0}}]


@covers("customer_credit_changed")
def test_credit_changes_reach_plugins_after_their_commit_and_a_failing_listener_undoes_none(sqlite_db):
    from support.payloads import invoice_payload

    from oro_invoices.services.facade import InvoiceService
    seen = []

    class Listener:
        @hookimpl
        def customer_credit_changed(self, entry):
            with service.db.session() as s:  # committed: another session reads it
                balance = s.execute(text("SELECT balance FROM oro_invoice_customer_credit")).scalar_one()
            seen.append((entry.kind, entry.amount, entry.balance_after, entry.customer_id, balance))

    class Failing:
        @hookimpl
        def customer_credit_changed(self, entry, actor):
            raise RuntimeError("the ERP is down")

    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False,
                                                                   plugins=[Listener(), Failing()]))
    inv = service.post(service.create(invoice_payload(lines=[{"description": "Desk", "quantity": "1",
                                                              "unit_price": "100.00", "tax_rate": "0"}])).id)
    service.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": "100.00"})
    service.create_credit_note(inv.id, {"full": True, "settlement": "credit"}, actor="alice")
    service.pay_out_credit(10, organization_id=1, currency="USD", amount="40", actor="alice")
    assert seen == [("credit_note", Decimal("100.00"), Decimal("100.00"), 10, 10000),
                    ("paid_out", Decimal("-40.00"), Decimal("60.00"), 10, 6000)]
    assert service.customer_credit_of(10, organization_id=1).balance("USD") == Decimal("60.00")


@covers("invoice_posted")
def test_an_implementation_may_take_fewer_arguments(invoice):
    seen = []

    class OnlyInvoice:
        @hookimpl
        def invoice_posted(self, invoice):
            seen.append(invoice.external_id)

    hook = get_plugin_manager(load_entrypoints=False, plugins=[OnlyInvoice()]).hook
    hook.invoice_posted(invoice=invoice, actor="system")
    assert seen == ["ERP-7"]


# -- documents, mail, UI -----------------------------------------------------------

class Extras:
    def __init__(self, tag: str):
        self.tag = tag

    @hookimpl
    def invoice_pdf_context(self, invoice):
        return {"stamp": self.tag, f"only_{self.tag}": invoice.id}

    @hookimpl
    def invoice_email_context(self, invoice):
        return {"greeting": f"{self.tag}: {invoice.customer_name}"}

    @hookimpl
    def invoice_template_dirs(self):
        return [f"/templates/{self.tag}"]

    @hookimpl
    def invoice_view_sections(self, invoice, area):
        if area == "backoffice":
            return [ViewSection(key=self.tag, title=self.tag.title(), html="<p>x</p>")]
        return None


@pytest.fixture
def hook():
    return get_plugin_manager(load_entrypoints=False, plugins=[Extras("first"),
                                                               Extras("second")]).hook


@covers("invoice_pdf_context")
def test_pdf_context_is_merged_last_registered_wins(hook, invoice):
    assert merge_dicts(hook.invoice_pdf_context(invoice=invoice)) \
        == {"stamp": "second", "only_first": 7, "only_second": 7}


@covers("invoice_email_context")
def test_email_context(hook, invoice):
    assert merge_dicts(hook.invoice_email_context(invoice=invoice)) \
        == {"greeting": "second: ACME Corp"}


@covers("invoice_template_dirs")
def test_template_dirs_newest_plugin_first(hook):
    assert flatten(hook.invoice_template_dirs()) == ["/templates/second", "/templates/first"]


@covers("invoice_view_sections")
def test_view_sections_depend_on_the_area(hook, invoice):
    backoffice = flatten(hook.invoice_view_sections(invoice=invoice, area="backoffice"))
    assert sorted(s.key for s in backoffice) == ["first", "second"]
    assert flatten(hook.invoice_view_sections(invoice=invoice, area="storefront")) == []


def test_no_plugins_no_results(invoice):
    hook = get_plugin_manager(load_entrypoints=False).hook
    assert merge_dicts(hook.invoice_pdf_context(invoice=invoice)) == {}
    assert flatten(hook.invoice_template_dirs()) == []


# -- payments ---------------------------------------------------------------------------

@covers("register_payment_methods")
def test_payment_methods_come_from_plugins_and_the_last_registered_wins_a_name():
    from oro_invoices.integration.hosted_page.method import OroPayMethod
    from oro_invoices.integration.payment_methods import PaymentMethods

    class MyOroPay(OroPayMethod):
        label = "My OroPay"

    class Replacing:
        @hookimpl
        def register_payment_methods(self):
            return [MyOroPay()]

    built_in = PaymentMethods.from_plugins(get_plugin_manager(load_entrypoints=False))
    assert built_in.get("oropay").label == "OroPay"
    replaced = PaymentMethods.from_plugins(get_plugin_manager(load_entrypoints=False, plugins=[Replacing()]))
    assert replaced.get("oropay").label == "My OroPay" and len(replaced) == len(built_in)
    blocked = get_plugin_manager(load_entrypoints=False,
                                 blocked=["oro_invoices.integration.default_plugins.oropay"])
    assert "oropay" not in PaymentMethods.from_plugins(blocked)
