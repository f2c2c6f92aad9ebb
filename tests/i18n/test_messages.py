"""Messages with values: English as text, shown in the reader's language and formats."""
from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal

from jinja2 import Environment

from oro_invoices import i18n
from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.domain.messages import Amount, Message, PluralMessage
from oro_invoices.formatting import Formatter

# catalog entries every language has (a page title and a grid count)
TITLE = "Invoice %(number)s"


def test_a_message_is_its_english_text():
    message = Message(TITLE, number="INV-1")
    assert message == "Invoice INV-1"
    assert isinstance(message, str)
    assert str(NotFound(message)) == "Invoice INV-1"


def test_translated_with_its_own_values():
    message = Message(TITLE, number="INV-1")
    assert i18n.translate("de", message) == "Rechnung INV-1"
    with i18n.using("fr_FR"):
        assert i18n._(message) == "Facture INV-1"


def test_values_written_in_the_readers_formats():
    message = Message("%(where)s: %(message)s", where="a",
                      message=Message("%(amount)s on %(day)s", amount=Amount(Decimal("1234.5"), "EUR"),
                                      day=dt.date(2026, 3, 5)))
    assert message == "a: 1234.5 EUR on 2026-03-05"
    with i18n.using("de_DE", values=Formatter("de_DE").value):
        assert i18n._(message) == "a: 1.234,50\u00a0€ on 05.03.2026"


def test_plural_follows_the_count():
    one, three = (PluralMessage("%(num)d day overdue", "%(num)d days overdue", n) for n in (1, 3))
    assert (one, three) == ("1 day overdue", "3 days overdue")
    assert i18n.translate("de", three) != "3 days overdue"
    assert "3" in i18n.translate("de", three)


def test_stored_and_read_back_unchanged():
    message = PluralMessage("%(num)d day overdue", "%(num)d days overdue", 2,
                            since=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC))
    again = Message.from_json(message.to_json())
    assert (again, again.msgid, again.plural, again.number, again.values) == \
        (message, message.msgid, message.plural, message.number, message.values)
    copied = pickle.loads(pickle.dumps(NotFound(Message(TITLE, number="X"))))
    assert i18n.translate("ja", copied.message) == i18n.translate("ja", Message(TITLE, number="X"))


def test_validation_errors_keep_each_message():
    error = ValidationError([("lines.0.quantity", Message(TITLE, number="7"))]).at("row 3")
    field, text = error.errors[0]
    assert field == "row 3.lines.0.quantity"
    assert i18n.translate("de", text) == "Rechnung 7"


def test_the_message_filter_escapes_what_it_shows():
    env = Environment(autoescape=True)
    i18n.install(env, "de_DE")
    page = env.from_string("{{ m | message }}").render(m=Message(TITLE, number="<b>1</b>"))
    assert page == "Rechnung &lt;b&gt;1&lt;/b&gt;"


def test_template_words_are_translated_filled_and_escaped_as_jinja_writes_them():
    """``_`` and ``gettext`` in a template: translated, values escaped where the template
    autoescapes (and not where it does not), ``%%`` written as ``%`` with or without values,
    and ``{% trans %}`` blocks the same."""
    for autoescape, value in ((True, "&lt;b&gt;1&lt;/b&gt;"), (False, "<b>1</b>")):
        env = Environment(autoescape=autoescape)
        i18n.install(env, "de_DE")
        page = env.from_string(
            "{{ _('Invoice %(number)s', number=n) }}|{{ gettext('Invoice %(number)s', number=n) }}|"
            "{{ _('100%% sure') }}|{{ _('%(share)s%%', share=n) }}|{% trans %}Invoice {{ n }}{% endtrans %}|"
            "{{ _('Filter') }}").render(n="<b>1</b>")
        assert page.split("|") == [f"Rechnung {value}", f"Rechnung {value}", "100% sure", f"{value}%",
                                   "Invoice " + value, i18n.translate("de", "Filter")]
    env = Environment(autoescape=True)
    i18n.install(env, language=lambda: "fr")
    assert env.from_string("{{ _('Invoice %(number)s', number=7) }}").render() == "Facture 7"


def test_a_list_value_is_written_as_a_list_of_the_language():
    from oro_invoices.services.lifecycle import changed_summary
    message = changed_summary(["due_date", "lines", "bill_to"])
    assert message == "Changed due date, line items, billing address"
    german = i18n.translate("de", message)
    assert "Fälligkeitsdatum" in german and "Positionen" in german and "Rechnungsadresse" in german
    assert "due date" not in german
    assert i18n.translate("de", Message.from_json(message.to_json())) == german


def test_a_drafts_name_is_english_text_and_translated_wherever_it_is_shown():
    from oro_invoices.domain.invoice import display_number
    draft = display_number(None, 7)
    assert draft == "Draft #7" and f"{draft}.pdf" == "Draft #7.pdf"   # logs, the API, file names
    assert display_number("INV-7", 7) == "INV-7"
    assert i18n.translate("de", draft) == "Entwurf #7"
    assert i18n.translate("fr", TITLE, number=draft) == "Facture Brouillon #7"
    with i18n.using("ja"):
        assert i18n._(Message("Deleted draft %(number)s", number=draft)) == i18n.translate(
            "ja", "Deleted draft %(number)s", number="下書き #7")
    stored = Message.from_json(Message(TITLE, number=draft).to_json())
    assert i18n.translate("de", stored) == "Rechnung Entwurf #7"
    env = Environment(autoescape=True)
    i18n.install(env, language=lambda: "de")
    page = env.from_string("{{ _('Invoice %(number)s', number=n) }}|{{ n | message }}").render(n=draft)
    assert page == "Rechnung Entwurf #7|Entwurf #7"
