"""Django admin (Oscar's payment source admins) leaves the invoices' payment sources to the
invoices: "Invoice" sources, their transactions and the "Invoice" source type are not added,
changed or deleted by hand, so the order's books agree with its invoices."""
from __future__ import annotations

from typing import Any

from support.oscar_shop import Shop, admin_get, admin_post, login_superuser, select_options

REFUSAL = ('"Invoice" payment sources and their transactions are recorded by the invoices when an invoice is paid '
           "or refunded, not by hand. Record the payment on the invoice (the order's Invoices tab) instead.")
NAME_REFUSAL = ('"Invoice" is the name of the payment sources the invoices record when an invoice is paid or '
                "refunded. Choose another name.")


def _model(app: str, name: str) -> Any:
    from oscar.core.loading import get_model
    return get_model(app, name)


def _paid_and_refunded(shop: Shop) -> Any:
    """The invoice's "Invoice" source on its order, debited 10.00 and refunded 1.00."""
    invoices = shop.client.addon.invoices
    invoices.record_payment(shop.data.posted.id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                                                  "provider_reference": "BANK-A"}, actor="Accounting")
    invoices.record_payment(shop.data.posted.id, {"method": "bank_transfer", "action": "refund", "amount": "1.00",
                                                  "provider_reference": "BANK-A-R"}, actor="Accounting")
    return _model("payment", "Source").objects.get(source_type__name="Invoice")


def _cheque_source(shop: Shop) -> Any:
    cheque = _model("payment", "SourceType").objects.create(name="Cheque")
    return _model("payment", "Source").objects.create(order_id=shop.data.order.id, source_type=cheque,
                                                      currency="EUR", amount_allocated="5.00", reference="CHQ-1")


def _source_form(shop: Shop, source_type: Any, debited: str = "0.00") -> dict[str, str]:
    return {"order": str(shop.data.order.id), "source_type": str(source_type.pk), "currency": "EUR",
            "amount_allocated": "5.00", "amount_debited": debited, "amount_refunded": "0.00",
            "reference": "CHQ-2", "label": "", "_save": "Save"}


def _transaction_form(source: Any, amount: str = "5.00") -> dict[str, str]:
    return {"source": str(source.pk), "txn_type": "Debit", "amount": amount, "reference": "", "status": "",
            "_save": "Save"}


def test_the_invoices_sources_and_transactions_are_read_only_and_stay(shop: Shop) -> None:
    """Changing or deleting one would make the order's books disagree with its invoices' payments."""
    source = _paid_and_refunded(shop)
    transactions = _model("payment", "Transaction").objects
    debit = transactions.get(source=source, txn_type="Debit")
    login_superuser(shop)
    for url, form in ((f"/admin/payment/source/{source.pk}/", _source_form(shop, source.source_type, "99.00")),
                      (f"/admin/payment/transaction/{debit.pk}/", _transaction_form(source, "99.00"))):
        status, page = admin_get(shop, url + "change/")
        assert status == 200 and 'name="_save"' not in page and 'name="amount' not in page
        assert REFUSAL in page                                    # why it is read-only
        assert "/delete/" not in page
        assert shop.client.request("POST", url + "change/", data=form).status == 403
        assert admin_get(shop, url + "delete/")[0] == 403
    for changelist, pk in (("/admin/payment/source/", source.pk), ("/admin/payment/transaction/", debit.pk)):
        status, _ = admin_post(shop, changelist, {"action": "delete_selected", "_selected_action": str(pk),
                                                  "post": "yes"})
        assert status == 403
    # nor does deleting the order, which would delete its sources with it (its payment events
    # gone, the sources alone keep it)
    _model("order", "PaymentEvent").objects.filter(order_id=shop.data.order.id).delete()
    status, page = admin_get(shop, f"/admin/order/order/{shop.data.order.id}/delete/")
    assert status == 200 and "doesn't have permission to delete the following types of objects" in page
    assert "Source" in page.split("following types of objects")[1].split("</ul>")[0]
    assert shop.client.request("POST", f"/admin/order/order/{shop.data.order.id}/delete/",
                               data={"post": "yes"}).status == 403
    source.refresh_from_db()
    assert (str(source.amount_debited), str(source.amount_refunded)) == ("10.00", "1.00")
    assert transactions.filter(source=source).count() == 2
    # the shop's own sources and transactions are still changed and deleted by hand
    cheque = _cheque_source(shop)
    status, page = admin_post(shop, f"/admin/payment/source/{cheque.pk}/change/",
                              _source_form(shop, cheque.source_type, "5.00"))
    assert status == 302 and "was changed successfully" in page and REFUSAL not in page
    cheque.refresh_from_db()
    assert str(cheque.amount_debited) == "5.00"
    status, page = admin_post(shop, f"/admin/payment/source/{cheque.pk}/delete/", {"post": "yes"})
    assert status == 302 and not _model("payment", "Source").objects.filter(pk=cheque.pk).exists()


def test_no_source_or_transaction_is_made_the_invoices_by_hand(shop: Shop) -> None:
    source = _paid_and_refunded(shop)
    cheque = _cheque_source(shop)
    sources, transactions = _model("payment", "Source").objects, _model("payment", "Transaction").objects
    login_superuser(shop)
    status, page = admin_get(shop, "/admin/payment/source/add/")
    assert status == 200 and select_options(page, "source_type") == ["Cheque"]
    status, page = admin_post(shop, "/admin/payment/source/add/", _source_form(shop, source.source_type))
    assert status == 200 and REFUSAL in page
    assert sources.filter(source_type__name="Invoice").count() == 1
    status, page = admin_post(shop, f"/admin/payment/source/{cheque.pk}/change/",
                              _source_form(shop, source.source_type))
    assert status == 200 and REFUSAL in page
    cheque.refresh_from_db()
    assert cheque.source_type.name == "Cheque"
    # a transaction on the invoice's source is refused; one on the shop's own is recorded
    status, page = admin_post(shop, "/admin/payment/transaction/add/", _transaction_form(source))
    assert status == 200 and REFUSAL in page
    assert transactions.filter(source=source).count() == 2
    status, page = admin_post(shop, "/admin/payment/transaction/add/", _transaction_form(cheque))
    assert status == 302 and "was added successfully" in page
    added = transactions.get(source=cheque)
    status, page = admin_post(shop, f"/admin/payment/transaction/{added.pk}/change/", _transaction_form(source))
    assert status == 200 and REFUSAL in page
    added.refresh_from_db()
    assert added.source == cheque
    status, page = admin_post(shop, "/admin/payment/source/add/", _source_form(shop, cheque.source_type))
    assert status == 302 and "was added successfully" in page and sources.filter(reference="CHQ-2").exists()


def test_the_invoices_source_type_keeps_its_name_and_stays(shop: Shop) -> None:
    invoice_type = _paid_and_refunded(shop).source_type
    types = _model("payment", "SourceType").objects
    login_superuser(shop)
    for name in ("Invoice", " invoice ", "IN VOICE"):
        status, page = admin_post(shop, "/admin/payment/sourcetype/add/", {"name": name, "_save": "Save"})
        if name == "IN VOICE":                                    # only the name itself is taken
            assert status == 302 and types.filter(name="IN VOICE").exists()
        else:
            assert status == 200 and NAME_REFUSAL in page
    assert types.filter(name__iexact="invoice").count() == 1
    cheque = types.create(name="Cheque")
    url = f"/admin/payment/sourcetype/{cheque.pk}/change/"
    status, page = admin_post(shop, url, {"name": "INVOICE", "_save": "Save"})
    assert status == 200 and NAME_REFUSAL in page
    cheque.refresh_from_db()
    assert cheque.name == "Cheque"
    status, page = admin_post(shop, url, {"name": "Cheque (posted)", "_save": "Save"})
    assert status == 302 and types.filter(name="Cheque (posted)").exists()
    # the invoices' own type is read-only and stays (deleting it deletes its sources)
    status, page = admin_get(shop, f"/admin/payment/sourcetype/{invoice_type.pk}/change/")
    assert status == 200 and 'name="_save"' not in page and REFUSAL in page
    assert shop.client.request("POST", f"/admin/payment/sourcetype/{invoice_type.pk}/change/",
                               data={"name": "Renamed"}).status == 403
    assert admin_get(shop, f"/admin/payment/sourcetype/{invoice_type.pk}/delete/")[0] == 403
    invoice_type.refresh_from_db()
    assert invoice_type.name == "Invoice" and _model("payment", "Source").objects.filter(
        source_type=invoice_type).exists()
