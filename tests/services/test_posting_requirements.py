"""A posted invoice names its buyer and billing address, says when it is due, and has plausible dates."""
import json

import pytest
from support.payloads import invoice_payload

from oro_invoices.domain.errors import ValidationError
from oro_invoices.integration.config import load_schema
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import import_files

ADDRESS = {"name": "Acme Corp", "street": "1 Main St", "city": "Springfield", "country": "US"}

CASES = [
    ({"customer_name": ""}, [("customer_name", "A posted invoice needs the buyer's name.")]),
    ({"bill_to": None}, [("bill_to", "A posted invoice needs the buyer's billing address "
                                     "(at least street, city and country).")]),
    ({"bill_to": {**ADDRESS, "street": "", "country": ""}},
     [("bill_to.street", "A posted invoice's billing address needs a street."),
      ("bill_to.country", "A posted invoice's billing address needs a country.")]),
    ({"due_date": None}, [("due_date", "A posted invoice needs a due date.")]),
    ({"invoice_date": "0001-01-01", "due_date": "0001-01-31"},
     [("invoice_date", "0001-01-01 is not a plausible date for an invoice: it must be between 2000-01-01 and "
                       "2100-12-31 (settings oro_invoices.posting.earliest_year and "
                       "oro_invoices.posting.latest_year)."),
      ("due_date", "0001-01-31 is not a plausible date for an invoice: it must be between 2000-01-01 and "
                   "2100-12-31 (settings oro_invoices.posting.earliest_year and "
                   "oro_invoices.posting.latest_year).")]),
    ({"invoice_date": "2026-11-02", "due_date": "9999-12-31"},
     [("due_date", "9999-12-31 is not a plausible date for an invoice: it must be between 2000-01-01 and "
                   "2100-12-31 (settings oro_invoices.posting.earliest_year and "
                   "oro_invoices.posting.latest_year).")]),
]


@pytest.mark.parametrize("change, errors", CASES)
def test_posting_an_incomplete_invoice_is_refused_per_field_and_it_stays_a_draft(db, service, change, errors):
    # a draft may still be incomplete; its dates were plausible when it was made (the years since narrowed)
    then = InvoiceService(db, plugins=get_plugin_manager(False), settings=Years(1, 9999))
    draft = then.create(invoice_payload(**change))
    with pytest.raises(ValidationError) as err:
        service.post(draft.id)
    assert err.value.errors == errors
    after = service.get(draft.id)
    assert not after.is_posted and after.invoice_number is None
    completed = service.update(draft.id, {k: invoice_payload()[k] for k in change})
    assert service.post(completed.id).is_posted       # once completed it posts


@pytest.mark.parametrize("change, errors", CASES)
def test_creating_a_posted_invoice_checks_the_same_and_writes_nothing(service, change, errors):
    with pytest.raises(ValidationError) as err:
        service.create(invoice_payload(status="posted", **change))
    assert err.value.errors == errors
    assert service.list_invoices(with_total=True).total == 0


@pytest.mark.parametrize("change, errors", CASES[-2:])
def test_a_draft_is_refused_dates_it_could_never_be_posted_with(service, change, errors):
    with pytest.raises(ValidationError) as err:
        service.create(invoice_payload(**change))
    assert err.value.errors == errors
    assert service.list_invoices(with_total=True).total == 0
    draft = service.create(invoice_payload())
    with pytest.raises(ValidationError) as err:
        service.update(draft.id, change)
    assert err.value.errors == errors
    assert service.get(draft.id).invoice_date == draft.invoice_date


def test_importing_posted_invoices_checks_them_before_writing_anything(service, tmp_path):
    records = [invoice_payload(external_id="ok", status="posted", invoice_number="OLD-1",
                               invoice_date="2019-03-01", due_date="2019-03-31"),
               invoice_payload(external_id="bad", status="posted", invoice_number="OLD-2", due_date=None,
                               bill_to={**ADDRESS, "city": ""})]
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(records))
    with pytest.raises(ValidationError) as err:
        import_files(service, [path])
    assert err.value.errors == [
        (f"{path}[1].bill_to.city", "A posted invoice's billing address needs a city."),
        (f"{path}[1].due_date", "A posted invoice needs a due date.")]
    assert service.list_invoices(with_total=True).total == 0
    path.write_text(json.dumps(records[:1]))
    import_files(service, [path])                           # a historical date in range is kept
    old = service.get(service.find_id(external_id="ok"))
    assert old.is_posted and str(old.invoice_date) == "2019-03-01"


class Years:
    def __init__(self, earliest, latest):
        self.years = {"oro_invoices.posting.earliest_year": earliest, "oro_invoices.posting.latest_year": latest}

    def value(self, key, ctx=None):
        return self.years.get(key, load_schema()[key].default)


def test_the_plausible_years_are_configurable(db, tmp_path):
    strict = InvoiceService(db, plugins=get_plugin_manager(False), settings=Years(2020, 2030))
    with pytest.raises(ValidationError) as err:
        strict.create(invoice_payload(status="posted", invoice_date="2019-12-31", due_date="2020-01-30"))
    assert [f for f, _ in err.value.errors] == ["invoice_date"]
    assert "between 2020-01-01 and 2030-12-31" in err.value.errors[0][1]
    path = tmp_path / "old.json"
    path.write_text(json.dumps([invoice_payload(external_id="h", status="posted", invoice_date="2019-06-01",
                                                due_date="2019-07-01")]))
    with pytest.raises(ValidationError, match=r"old.json\[0\].invoice_date: 2019-06-01 is not a plausible date"):
        import_files(strict, [path])
