"""The check a host's template editor runs before saving an email template, and its sample."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from oro_invoices.domain.messages import Message
from oro_invoices.services.mail.checking import (
    SEVERAL_INVOICES,
    check_template,
    render_sample,
    sample_context,
    samples,
)
from oro_invoices.services.mail.render import EmailTemplateError, default_names, load_default
from oro_invoices.services.mail.variables import DESCRIPTIONS, RECEIVED

RECEIPT = "payment_receipt_template"
REFUND = "refund_receipt_template"
#: the editor's today the samples are of (``InvoiceService.today()``)
DAY = dt.date(2031, 4, 1)
#: The samples' time zone (``sample_context``): an editor's ``oro_invoices.timezone``.
ZONE = "UTC"
SAMPLE = sample_context(today=DAY, timezone=ZONE)


@pytest.mark.parametrize("name", default_names())
def test_every_default_passes_and_renders_its_sample(name: str) -> None:
    source = load_default(name)
    assert source is not None
    assert check_template(name, source.subject, source.text, source.html, today=DAY, timezone=ZONE) == {}
    rendered = render_sample(name, source.subject, source.text, source.html, context=SAMPLE, timezone=ZONE)
    if name == "customer_statement_template":    # a customer's, of the sample's open invoices
        assert "Statement of account" in rendered.subject
        assert all("INV-0001" in body and "INV-0002" in body for body in (rendered.text, rendered.html))
        return
    if name == "customer_activity_template":     # a customer's, of the sample's month: its balances
        assert rendered.subject.startswith("Account activity from Your Company, ")
        assert all("$120.00 owed on" in body and "$180.00 owed on" in body for body in (rendered.text, rendered.html))
        return
    if name == "aging_report_template":          # the staff's, of the sample's aging: its total per currency
        assert rendered.subject.startswith("Aging Report of Your Company on ")
        assert all("$180.00" in body and "aging?as_of=" in body for body in (rendered.text, rendered.html))
        return
    number = "CN-0001" if name.startswith("credit_note") else "INV-0001"
    assert number in rendered.subject and number in rendered.text and number in rendered.html


def test_each_broken_part_is_named_with_what_is_wrong() -> None:
    errors = check_template("invoice_notification_template",
                            subject="{{ invoice.display_number|shout }}",
                            text="{% if invoice.amount_due %}Due",
                            html="<p>{{ invoice.total_amount|money(invoice.currency) }}</p>", today=DAY, timezone=ZONE)
    assert errors == {
        "subject": "Email template 'invoice_notification_template' (subject) has a syntax error "
                   "on line 1: No filter named 'shout'.",
        "text": "Email template 'invoice_notification_template' (text) has a syntax error on line 1: "
                "Unexpected end of template. Jinja was looking for the following tags: 'elif' or "
                "'else' or 'endif'. The innermost block that needs to be closed is 'if'.",
    }


def test_a_failing_expression_and_an_unsafe_one_are_caught() -> None:
    errors = check_template("invoice_notification_template", subject="{{ invoice.total_amount / 0 }}",
                            text="{{ invoice.__class__.__mro__ }}", html="", today=DAY, timezone=ZONE)
    assert "(subject) failed: DivisionByZero" in errors["subject"]
    assert "tried something that is not allowed" in errors["text"]
    with pytest.raises(EmailTemplateError):
        render_sample("invoice_notification_template", "{{ invoice.total_amount / 0 }}", "", "", context=SAMPLE, timezone=ZONE)


@pytest.mark.parametrize("name", default_names())
def test_the_sample_shows_every_amount_in_the_currency_asked_for(name: str) -> None:
    source = load_default(name)
    assert source is not None
    rendered = render_sample(name, source.subject, source.text, source.html,
                             context=sample_context(today=DAY, timezone=ZONE, currency="EUR"), timezone=ZONE)
    assert "€" in rendered.text and "€" in rendered.html
    assert "$" not in rendered.text and "$" not in rendered.html


@pytest.mark.parametrize("name, said", [
    ("payment_receipt_template", ["thank you for your payment of $100.00 for invoice INV-0001",
                                  "Paid: $100.00", "Amount due: $20.00", "The receipt is attached as a PDF."]),
    ("refund_receipt_template", ["we have refunded $20.00 of your payment for invoice INV-0001 to the payment "
                                 "method you paid with.", "Amount refunded: $20.00 Refund date: Apr 1, 2031 "
                                 "Payment method: Stripe Invoice number: INV-0001", "Paid: $80.00"]),
])
def test_a_receipts_sample_is_of_a_payment_whose_invoice_adds_up(name: str, said: list[str]) -> None:
    """The preview of a receipt (an editor's, the template check's) shows its payment, and the
    invoice as that payment left it."""
    source = load_default(name)
    assert source is not None
    text = " ".join(render_sample(name, source.subject, source.text, source.html, context=SAMPLE,
                                  timezone=ZONE).text.split())
    assert all(words in text for words in said), text


def test_the_payment_receipts_sample_of_a_payment_for_several_invoices_lists_each_share() -> None:
    """The receipt of one payment shared across invoices (``remittance``) is previewed too: each
    invoice with what it was paid and what stays due."""
    source = load_default(RECEIPT)
    assert source is not None
    assert [key for key, _ in samples(RECEIPT)] == ["", SEVERAL_INVOICES]
    rendered = render_sample(RECEIPT, source.subject, source.text, source.html, context=SAMPLE, timezone=ZONE,
                             sample=SEVERAL_INVOICES)
    assert rendered.subject == "Payment received for invoices INV-0001, INV-0002, INV-0003"
    text = " ".join(rendered.text.split())
    assert "thank you for your payment of $250.00 for invoices INV-0001, INV-0002, INV-0003." in text
    shares = re.sub(r" \([^)]*\)", "", text)  # each invoice's date in brackets aside
    assert ("Invoice number: INV-0001 Paid: $120.00 Amount due: $0.00 Invoice number: INV-0002 Paid: $80.00 "
            "Amount due: $0.00 Invoice number: INV-0003 Paid: $50.00 Amount due: $100.00") in shares
    assert "What remains due on each invoice is listed above." in text
    rows = re.findall(r"<tr><td>(INV-\d+)</td><td>[^<]+</td><td align=\"right\">([^<]+)</td>"
                      r"<td align=\"right\">([^<]+)</td></tr>", rendered.html)
    assert rows == [("INV-0001", "$120.00", "$0.00"), ("INV-0002", "$80.00", "$0.00"),
                    ("INV-0003", "$50.00", "$100.00")]
    # the usual sample is still the receipt of a payment for one invoice
    one = render_sample(RECEIPT, source.subject, source.text, source.html, context=SAMPLE, timezone=ZONE)
    assert one.subject == "Payment received for invoice INV-0001" and "INV-0002" not in one.text


def test_the_check_renders_the_several_invoices_sample_too() -> None:
    """A mistake only the receipt of a payment for several invoices meets is caught before saving."""
    errors = check_template(RECEIPT, subject="Receipt", html="",
                            text="{% if remittance %}{{ remittance.shares[0].amount / 0 }}{% endif %}", today=DAY, timezone=ZONE)
    assert list(errors) == ["text"] and "(text) failed: DivisionByZero" in errors["text"]


def test_the_sample_is_of_the_day_it_is_given_and_cannot_be_asked_for_without_one() -> None:
    """The sample is of the editor's today in its time zone, given by the editor (an email sent now
    from the editor's scope is dated so), never of a day taken from the machine's clock in UTC."""
    assert SAMPLE["invoice"].invoice_date == DAY and SAMPLE["invoice"].posted_at.date() == DAY
    assert SAMPLE["report"].as_of == DAY and SAMPLE["report_url"].endswith("as_of=2031-04-01")
    rendered = render_sample("aging_report_template", *_default("aging_report_template"), context=SAMPLE, timezone=ZONE)
    assert "aging?as_of=2031-04-01" in rendered.text
    with pytest.raises(TypeError, match="today"):
        sample_context(timezone=ZONE)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="today"):
        check_template("invoice_notification_template", *_default("invoice_notification_template"),  # type: ignore[call-arg]
                       timezone=ZONE)


def test_the_sample_renders_as_an_email_of_its_zone_and_locale_does() -> None:
    """The sample's times are of the editor's day in its time zone (noon there, not in UTC),
    written in that zone, and a message the template shows writes its amount and time as the
    locale does, as a real email of that scope writes them (``MailService.renderer_for``)."""
    sample = sample_context(today=DAY, timezone="Asia/Tokyo")
    assert sample["payment"].received_at.utcoffset() == dt.timedelta(hours=9)
    assert sample["invoice"].posted_at.utcoffset() == dt.timedelta(hours=9)
    context = {**sample, "note": Message("Paid %(amount)s on %(when)s", amount=Decimal("1234.50"),
                                         when=sample["payment"].received_at)}
    rendered = render_sample("invoice_notification_template", "", "{{ payment.received_at|datetime }} | "
                             "{{ note|message }}", "", context=context, timezone="Asia/Tokyo", locale="de_DE")
    assert rendered.text == "01.04.2031, 12:00 GMT+09:00 | Paid 1.234,5 on 01.04.2031, 12:00 GMT+09:00"


#: a subject that renders only on the sample of April 1st, 2031
ON_APRIL_FIRST = ("{% if (invoice.invoice_date.year, invoice.invoice_date.month, invoice.invoice_date.day) "
                  "!= (2031, 4, 1) %}{{ invoice.total_amount / 0 }}{% endif %}Invoice")


def test_the_check_renders_the_samples_of_the_day_it_is_given() -> None:
    """An editor's check renders the samples its preview shows: of the editor's today."""
    assert check_template("invoice_notification_template", ON_APRIL_FIRST, "", "",
                          today=dt.date(2031, 4, 1), timezone=ZONE) == {}
    assert check_template("payment_receipt_template", ON_APRIL_FIRST, "", "", today=dt.date(2031, 4, 1), timezone=ZONE) == {}
    errors = check_template("invoice_notification_template", ON_APRIL_FIRST, "", "", today=dt.date(2031, 3, 31), timezone=ZONE)
    assert list(errors) == ["subject"] and "(subject) failed: DivisionByZero" in errors["subject"]


def _default(name: str) -> tuple[str, str, str]:
    source = load_default(name)
    assert source is not None
    return source.subject, source.text, source.html


def test_a_broken_part_is_a_message_a_page_shows_in_its_readers_language() -> None:
    from oro_invoices.i18n import translate

    errors = check_template("invoice_notification_template", subject="{{ invoice.total_amount / 0 }}",
                            text="{% if x %}", html="{{ invoice.__class__.__mro__ }}", today=DAY, timezone=ZONE)
    syntax, failed, unsafe = errors["text"], errors["subject"], errors["html"]
    assert getattr(syntax, "msgid", None) == \
        "Email template %(name)s (%(part)s) has a syntax error on line %(line)s: %(reason)s."
    assert syntax.values["part"] == "text" and syntax.values["line"] == "1"
    assert getattr(failed, "msgid", None) == "Email template %(name)s (%(part)s) failed: %(reason)s."
    assert failed.values["reason"].startswith("DivisionByZero")
    assert getattr(unsafe, "msgid", "").startswith("Email template %(name)s (%(part)s) tried something")
    for error in (syntax, failed, unsafe):
        assert translate("de", error) == translate("de", error.msgid) % error.values
    with pytest.raises(EmailTemplateError) as raised:
        render_sample("invoice_notification_template", "{% if x %}", "", "", context=SAMPLE, timezone=ZONE)
    assert getattr(raised.value.message, "msgid", None) == syntax.msgid


def test_the_payment_receipts_sample_is_a_payment_recorded_by_hand_with_its_day_received() -> None:
    """The sample payment, a bank transfer recorded by hand, has the day it was received, as such
    a payment's receipt has it: the preview shows that day, and a template reading it passes the check."""
    received = ("Received on {{ payment.received_on|date }}{% if payment.received_on %} "
                "({{ payment.received_on.isoformat() }}){% endif %}")
    for sample, _ in samples(RECEIPT):   # also each share of the payment for several invoices
        rendered = render_sample(RECEIPT, "Receipt", received, "", context=SAMPLE, timezone=ZONE, sample=sample)
        assert rendered.text == "Received on Apr 1, 2031 (2031-04-01)"
    text = " ".join(render_sample(RECEIPT, *_default(RECEIPT), context=SAMPLE, timezone=ZONE).text.split())
    assert "Payment date: Apr 1, 2031 Payment method: Bank transfer" in text
    days = "{% if payment.received_on %}{{ (payment.received_on - invoice.invoice_date).days }}{% endif %}"
    assert check_template(RECEIPT, "Receipt of {{ payment.date|date }}", received, days, today=DAY, timezone=ZONE) == {}


def test_the_check_of_a_payment_receipt_also_renders_a_payment_through_a_payment_method() -> None:
    """A card payment has no day received: a template that reads it as if every payment had one
    fails the check, not the receipt of the first card payment."""
    errors = check_template(RECEIPT, "Receipt", "Received on {{ payment.received_on.isoformat() }}",
                            "<p>{{ (payment.received_on - invoice.invoice_date).days }}</p>", today=DAY, timezone=ZONE)
    assert list(errors) == ["text", "html"]
    assert "(text) failed: 'None' has no attribute 'isoformat'" in errors["text"]
    assert "(html) failed: TypeError: unsupported operand type(s) for -: 'NoneType'" in errors["html"]


def test_the_refund_receipts_sample_is_a_refund_through_a_card_payment_method() -> None:
    """Most refund receipts are of a refund through a payment method, as the default text says:
    the preview shows one to the card of a payment made in the storefront."""
    refund = "{{ refund.method }} {{ refund.method_code }} {{ refund.action }} {{ refund.payer }}"
    rendered = render_sample(REFUND, "Refund", refund, "", context=SAMPLE, timezone=ZONE)
    assert rendered.text == "Stripe stripe refund buyer@customer.example"


def test_the_check_of_a_refund_receipt_also_renders_a_bank_transfers_refund() -> None:
    """A bank transfer's refund recorded over the API has a receipt an admin sends from the email
    dialog, of no card and no payer: a template reading them as if every refund had them fails
    the check, and one that asks first passes."""
    errors = check_template(REFUND, "Refund", '{{ {"stripe": "your card"}[refund.method_code].upper() }}',
                            '<p>{{ refund.payer.split("@")[1].upper() }}</p>', today=DAY, timezone=ZONE)
    assert list(errors) == ["text", "html"]
    assert "(text) failed: 'dict object' has no attribute 'bank_transfer'" in errors["text"]
    assert "(html) failed: list object has no element 1" in errors["html"]
    asks = '{{ refund.method }}{% if refund.payer %} ({{ refund.payer.split("@")[1] }}){% endif %}'
    assert check_template(REFUND, "Refund", asks, "", today=DAY, timezone=ZONE) == {}
    assert render_sample(REFUND, "Refund", asks, "", context=SAMPLE, timezone=ZONE).text == "Stripe (customer.example)"


def _each(items: str, attribute: str) -> str:
    """An expression writing ``attribute`` of each of ``items``."""
    return f"{{% for item in {items} %}}{{{{ item.{attribute} }}}}|{{% endfor %}}"


_LINES, _ITEMS = "activity.sections[0].lines", "statement.sections[0].items"
#: Each variable's attributes as docs/email.md and ``variables.DESCRIPTIONS`` list them.
DOCUMENTED: dict[str, list[str]] = {
    "invoice": [f"{{{{ invoice.{a} }}}}" for a in (
        "display_number", "invoice_number", "invoice_date", "due_date", "currency", "customer_name",
        "customer_user_email", "order_identifier", "bill_to", "ship_to", "subtotal", "taxes", "tax_amount",
        "total_amount", "amount_paid", "amount_due", "payment_status.label", "posted_at")]
    + [_each("invoice.lines", a) for a in ("description", "sku", "quantity", "unit_price", "row_total")],
    "seller": [f"{{{{ seller.{a} }}}}" for a in (
        "company_name", "street", "postal_code", "city", "region", "country_code", "phone", "contact_email",
        "website_url", "tax_id")] + ["{{ seller|seller_address|join }}"],
    "credited_invoice": [f"{{{{ credited_invoice.{a} }}}}" for a in ("display_number", "amount_due", "payment_status")],
    "settlement": ["{{ settlement.how }}", "{{ settlement.amount }}"],
    "payment": [f"{{{{ payment.{a} }}}}" for a in (
        "amount", "currency", "method", "date", "received_at", "received_on", "payer", "method_code", "action",
        "transaction_id", "surplus", "over_refund_covered")],
    "refund": [f"{{{{ refund.{a} }}}}" for a in (
        "amount", "currency", "method", "date", "received_at", "payer", "method_code", "action", "transaction_id",
        "over_refunded")],
    "remittance": [f"{{{{ remittance.{a} }}}}" for a in ("total", "currency", "numbers", "paid_in_full")]
    + [_each("remittance.shares", a) for a in ("invoice_number", "invoice_date", "amount", "amount_due", "currency",
                                               "receipt_number")],
    "authorization": [f"{{{{ authorization.{a} }}}}" for a in (
        "amount", "currency", "method", "held_until", "renewal_problem", "invoice_url")],
    "reminder": ["{{ reminder.label }}", "{{ reminder.days_overdue }}", "{{ reminder.days_until_due }}"],
    "statement": [f"{{{{ statement.{a} }}}}" for a in ("as_of", "customer_name", "invoices", "is_empty", "left_out",
                                                      "credits", "sections[0].currency", "sections[0].total",
                                                      "sections[0].overdue", "sections[0].aging.amounts")]
    + [_each(_ITEMS, a) for a in ("number", "invoice_date", "due_date", "days_overdue", "payment_authorized", "due")]
    + ["{{ statement.credit('USD') }}", "{{ statement.section('USD').total }}"]
    + [f"{{{{ statement.payable('USD').{a} }}}}" for a in ("to_pay", "overdue", "held", "credit_used")],
    "activity": [f"{{{{ activity.{a} }}}}" for a in ("start", "end", "customer_name", "is_empty")]
    + [f"{{{{ activity.sections[0].{a} }}}}" for a in ("currency", "opening", "closing", "charges", "credits")]
    + [_each(_LINES, a) for a in ("on", "kind", "number", "amount", "charge", "credit", "balance", "method",
                                  "reference")],
    "report": ["{{ report.as_of }}"]
    + [_each("report.lines", a) for a in ("customer_name", "currency", "invoices", "amounts", "total", "overdue",
                                         "credit", "offset", "net")]
    + [_each("report.totals", a) for a in ("currency", "invoices", "amounts", "total", "overdue", "credit", "offset",
                                          "net")],
}
#: What the documentation says is empty unless something happened (of the receipts: a payment
#: recorded by hand has no payer; a refund never has a day received) and empty in the samples.
ONLY_SOMETIMES = {"{{ paid_by }}", "{{ payment.payer }}", "{{ payment.surplus }}", "{{ payment.over_refund_covered }}",
                  "{{ refund.over_refunded }}", "{{ authorization.renewal_problem }}"}


def _expressions(variable: str) -> list[str]:
    return DOCUMENTED.get(variable, [f"{{{{ {variable} }}}}"])


#: Where docs/email.md lists the fields of a variable it does not write as ``variable.field``:
#: the passage from the first marker to the second.
_LISTED_IN = {"statement": ("| `statement` |", "\n"), "activity": ("Its variables are `activity` (", "`seller`")}


@pytest.mark.parametrize("variable", ["payment", "refund", "statement", "activity"])
def test_the_editors_description_of_a_variable_names_every_documented_field(variable: str) -> None:
    """The variable list beside a receipt's or a statement's template names each field (and
    each field of its sections, items and lines) docs/email.md lists."""
    fields = {name for expression in DOCUMENTED[variable] for name in re.findall(r"\.(\w+)", expression)}
    named = set(re.findall(r"\w+", DESCRIPTIONS[variable].split(":", 1)[1]))
    assert fields - named == set()
    docs = (Path(__file__).parents[3] / "docs" / "email.md").read_text()
    if variable not in _LISTED_IN:
        assert all(f"`{variable}.{field}`" in docs or f"`payment.{field}`" in docs for field in fields)
        return
    start, end = _LISTED_IN[variable]
    passage = docs[docs.index(start) + len(start):]
    listed = set(re.findall(r"\w+", " ".join(re.findall(r"`([^`]+)`", passage[:passage.index(end)]))))
    assert fields - listed == set()


@pytest.mark.parametrize("name", sorted(RECEIVED))
def test_every_documented_variable_renders_in_the_preview_of_each_template_it_belongs_to(name: str) -> None:
    """Each variable a template receives, and each attribute of it the documentation lists, is
    in the template's samples, with a value as a real email of it has (what is documented as
    empty unless something happened is at least there)."""
    for variable in RECEIVED[name]:
        assert variable in DESCRIPTIONS
        shown: dict[str, list[str]] = {expression: [] for expression in _expressions(variable)}
        for sample, _ in samples(name):
            def render(text: str, sample: str = sample) -> str:
                return render_sample(name, "", text, "", context=SAMPLE, timezone=ZONE, sample=sample).text

            assert render(f"{{{{ {variable} is defined }}}}") == "True", (sample, variable)
            if render(f"{{{{ {variable} is none }}}}") == "True":
                continue   # a remittance is of the payment for several invoices only
            for expression in shown:
                defined = expression.replace("}}", " is defined }}", 1) if expression.startswith("{{") else "True"
                rendered = render(f"{defined}~{expression}")
                assert rendered.startswith("True~"), (sample, expression)
                shown[expression].append(rendered.removeprefix("True~"))
        for expression, values in shown.items():
            if expression in ONLY_SOMETIMES or (name.startswith("credit_note") and expression == "{{ invoice.due_date }}"):
                continue   # a credit note is due on no day
            assert any(value.replace("|", "") not in ("", "None", "()", "[]") for value in values), \
                (name, expression, values)


def test_the_statements_preview_says_the_customers_credit_and_the_total_due_less_it() -> None:
    """The sample statement is of a whole account, with the customer's credit not yet applied to
    an invoice, as a real one has it: the preview shows the default's credit lines."""
    rendered = render_sample("customer_statement_template", *_default("customer_statement_template"),
                             context=SAMPLE, timezone=ZONE)
    said = "Your credit with us: $30.00 (not yet applied to an invoice). Total due less the credit: $150.00."
    assert "Due in USD: $180.00, of which $100.00 is overdue." in rendered.text
    assert said in " ".join(rendered.text.split()) and said in " ".join(rendered.html.split())


def test_the_sample_seller_and_invoice_are_as_configured_ones_are() -> None:
    """Without a seller of its own the preview shows one with an address, phone, website and tax
    ID, and the invoice's ship-to address: the lines the default templates write of them."""
    text = " ".join(render_sample("invoice_notification_template", *_default("invoice_notification_template"),
                                  context=SAMPLE, timezone=ZONE).text.split())
    assert "call us at +1 503 555 0100" in text and "10 Company Road" in text and "Tax ID: 12-3456789" in text
    assert "https://company.example" in text
    credit_note = render_sample("credit_note_notification_template", "{{ invoice.seller.company_name }}",
                                "{{ invoice.ship_to.street }}", "", context=SAMPLE, timezone=ZONE)
    assert (credit_note.subject, credit_note.text) == ("Your Company", "2 Warehouse Road")
    alert = render_sample("authorization_expiring_template", *_default("authorization_expiring_template"),
                          context=SAMPLE, timezone=ZONE)
    assert "https://shop.example/admin/invoices/1" in alert.text
