"""marshmallow schemas: create/update payloads (API, import, service) and output.

Amounts travel as decimal strings ("19.99"); a float is refused with a
message saying so. Every error names its field path (``lines[0].quantity``).
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    fields,
    post_load,
    validate,
    validates_schema,
)
from marshmallow import ValidationError as MmValidationError
from marshmallow.exceptions import SCHEMA

from oro_invoices.domain.errors import ValidationError, flatten_messages
from oro_invoices.domain.invoice import (
    TAX_CATEGORY_CODES,
    DocumentRef,
    InvoiceDocument,
    PaymentStatus,
    tax_category_problem,
)
from oro_invoices.domain.limits import (
    MAX_INT64,
    PURCHASE_ORDER_MAX,
    REASON_MAX,
    UNSTORABLE_CHARS,
    OverlongInteger,
    hidden_character,
    identifier_problem,
    is_int64,
    is_storable_text,
    quoted,
    shows_as_stored,
)
from oro_invoices.domain.messages import N_, Message, Number
from oro_invoices.domain.money import (
    AMOUNT_LIMIT,
    DECIMAL_SYNTAX,
    DECIMAL_SYNTAX_HINT,
    KNOWN_CURRENCIES,
    is_decimal_text,
    minor_units,
)
from oro_invoices.domain.overdue import OverdueFacts, days_overdue
from oro_invoices.formatting.countries import country_codes, looks_like_code
from oro_invoices.integration.links import unencoded_problem
from oro_invoices.services.compiled_schema import compile_schema
from oro_invoices.services.schema_messages import list_length, text_length, translatable

MAX_LINES = 10_000
MAX_INVOICE_TOTAL = Decimal(10) ** 15


def total_bound_problem(amount: Decimal) -> Message | None:
    """What a filter on invoice totals bounded by ``amount`` is told when no total reaches it
    either way (``MAX_INVOICE_TOTAL``, which also keeps it within a 64-bit column); else None."""
    if abs(amount) < MAX_INVOICE_TOTAL:
        return None
    return Message("Too large: an invoice total is less than %(limit)s, either way.",
                   limit=Number(MAX_INVOICE_TOTAL, format(MAX_INVOICE_TOTAL, ",.0f")))


class DecimalString(fields.Field[Decimal]):
    """A decimal given as a string (or an int); floats are refused, output is a string.

    ``typed``: people also type it into a form (a payment's amount, what a credit note takes
    back): a page's message for text that is no number says how its forms read one
    (``money.DECIMAL_SYNTAX``), the API's the strict syntax. ``positive``: it must be above zero
    (its own validator says so), so its size limit is said as an upper bound only.
    """

    default_error_messages = {
        "float": N_("Give this number as a decimal string such as \"19.99\", not a float."),
        "invalid": N_("Not a valid decimal number."),
        "syntax": "Not a valid decimal number: " + DECIMAL_SYNTAX_HINT,
        "places": "At most {places} decimal places are allowed.",
        "range": "Must be between -{limit} and {limit}.",
        "below": "Must be less than {limit}.",
    }
    LIMIT = AMOUNT_LIMIT

    #: texts loaded by one field kept at most (then forgotten, to start again)
    MEMO_SIZE = 4096

    def __init__(self, *, places: int | None = None, typed: bool = False, positive: bool = False, **kwargs: Any):
        self.places = places
        self.typed = typed
        self.positive = positive
        #: text → its Decimal, for texts this field accepted: the same quantities, prices and
        #: rates recur on many lines of a file (a Decimal is immutable, so it can be shared)
        self._accepted: dict[str, Decimal] = {}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> Decimal:
        if type(value) is str:
            known = self._accepted.get(value)
            if known is not None:
                return known
            result = self._load(value)
            if len(self._accepted) >= self.MEMO_SIZE:
                self._accepted.clear()
            self._accepted[value] = result
            return result
        return self._load(value)

    def _load(self, value: Any) -> Decimal:
        if isinstance(value, (float, bool)):
            raise self.make_error("float")
        if not isinstance(value, (str, int)):
            raise self.make_error("invalid")
        if isinstance(value, str) and not is_decimal_text(value):
            if self.typed:   # the same English; a page says it in its own terms
                raise MmValidationError(Message("Not a valid decimal number: %(hint)s", hint=DECIMAL_SYNTAX))
            raise self.make_error("syntax")
        result = Decimal(value)
        if abs(result) >= self.LIMIT:
            raise self.make_error("below" if self.positive else "range", limit=f"{self.LIMIT:,.0f}")
        if self.places is not None and decimal_places(result) > self.places:
            raise self.make_error("places", places=self.places)
        return result

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format(value, "f")


class JsonBoolean(fields.Boolean):
    """A JSON ``true`` or ``false`` only: not the texts and numbers marshmallow's ``Boolean`` also
    reads as one ("yes", "on", 1), as every other boolean of the API is read."""

    default_error_messages = {"invalid": "Must be true or false."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def strict_identifier(value: str) -> None:
    """A marshmallow validator: numbers and external ids are compared exactly, so they may
    not start or end with whitespace nor contain control or invisible characters."""
    problem = identifier_problem(value)
    if problem is None and not unicodedata.is_normalized("NFC", value):
        # "é" sent as e and a combining accent looks like the one character, yet is another id
        problem = Message("Must be in composed Unicode form (NFC), as the same text is compared: write é as one "
                          "character, not e and a combining accent.")
    if problem is not None:
        raise MmValidationError(problem)


class ShownText(validate.Validator):
    """A marshmallow validator for text shown on PDFs and pages (names, addresses, line
    descriptions): no control character but tab and line breaks, and no bidirectional override
    or isolate, which would show it in another order than it is stored."""

    error = N_("Must not contain %(character)s: a control or text-direction character, which can hide or "
               "reorder what the PDF and the pages show.")

    #: Whether a str passes (``compiled_schema`` checks plain strings with it).
    accepts_text = staticmethod(shows_as_stored)

    def __call__(self, value: str) -> str:
        character = hidden_character(value) if isinstance(value, str) else None
        if character is not None:
            raise MmValidationError(Message(self.error, character=character))
        return value


#: One for every field of shown text.
shown_text = ShownText()


def no_invisible(value: str) -> None:
    """A marshmallow validator for a reference stated as it is written (a credit note's buyer
    reference, BT-10): no invisible formatting character (a zero-width space or joiner, a
    soft hyphen, a line or paragraph separator), with which it is stated yet reads as another or none."""
    found = _invisible(value)
    if found is not None:
        name = unicodedata.name(found, "")
        raise MmValidationError(Message("Must not contain %(character)s: an invisible character, which the "
                                        "e-invoice would state without anyone seeing it.",
                                        character=f"U+{ord(found):04X} {name}".strip()))


def _invisible(value: str) -> str | None:
    """The first invisible formatting character of ``value`` (``no_invisible``), or None."""
    return next((ch for ch in value if unicodedata.category(ch) in ("Cf", "Zl", "Zp")), None)


class ShownReference(ShownText):
    """``shown_text`` and ``no_invisible`` for a reference that is shown and stated as written
    (a buyer reference, a PO number), with one error: a text-direction override is also an
    invisible character, and said as what it is, the more specific of the two."""

    @staticmethod
    def accepts_text(value: str) -> bool:
        return shows_as_stored(value) and _invisible(value) is None

    def __call__(self, value: str) -> str:
        super().__call__(value)
        no_invisible(value)
        return value


#: One for every reference that is shown and stated as written.
shown_reference = ShownReference()


def decimal_places(value: Decimal) -> int:
    """How many digits ``value`` has after the decimal point (0 for a whole number)."""
    text = str(value)               # read off the text where it has no exponent: no tuple to build
    if "E" not in text:
        dot = text.find(".")
        return len(text) - dot - 1 if dot >= 0 else 0
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


#: A credit note's request that names nothing to credit.
NOTHING_TO_CREDIT = N_("Say what to credit: full: true, or lines and/or amounts.")


def known_country(value: str) -> None:
    """A two-letter country must be an ISO 3166-1 code (it is used as one: the buyer's country,
    the e-invoice); a longer value is the country's name, printed as written."""
    if looks_like_code(value) and value.strip().upper() not in country_codes():
        raise MmValidationError(Message("%(value)s is not an ISO 3166-1 country code: write a known two-letter "
                                        "code such as 'DE', or the country's name.", value=quoted(value.strip())))


def electronic_address_given(value: str) -> None:
    """The buyer's electronic address (BT-49) must be one an e-invoice can state."""
    from oro_invoices.documents.einvoice.terms import electronic_address
    if value.strip() and electronic_address(value) is None:
        raise MmValidationError(Message("Must be an email address or a Peppol participant id written "
                                        "scheme:id, such as 0088:4035811991021."))


class AddressSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"type": N_("An address object with fields such as name, street, city, postal_code and country.")}

    name = fields.String(load_default="", validate=[text_length(255), shown_text])
    organization = fields.String(load_default="", validate=[text_length(255), shown_text])
    street = fields.String(load_default="", validate=[text_length(255), shown_text])
    street2 = fields.String(load_default="", validate=[text_length(255), shown_text])
    city = fields.String(load_default="", validate=[text_length(128), shown_text])
    region = fields.String(load_default="", validate=[text_length(128), shown_text])
    postal_code = fields.String(load_default="", validate=[text_length(32), shown_text])
    country = fields.String(load_default="", validate=[text_length(64), known_country, shown_text])
    phone = fields.String(load_default="", validate=[text_length(64), shown_text])


class BuyerSchema(Schema):
    """The buyer's data an invoice states (BT-48, BT-55, BT-10, BT-49); a part left empty is taken
    from the host's customer at posting (``services.buyer``)."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": N_("An object with vat_id, country_code and/or reference.")}

    vat_id = fields.String(load_default="", validate=[text_length(64), shown_text],
                           metadata={"description": "The buyer's VAT identifier (BT-48), such as DE129273398."})
    country_code = fields.String(load_default="", validate=validate.OneOf(
        ("", *sorted(country_codes())), error=N_("Must be an ISO 3166-1 country code such as 'DE' (or empty).")),
        metadata={"description": "The buyer's country (ISO 3166-1 alpha-2)."})
    reference = fields.String(load_default="", validate=[text_length(255), shown_reference], metadata={
        "description": "The buyer's routing reference (BT-10; in Germany the Leitweg-ID)."})
    electronic_address = fields.String(
        load_default="", validate=[text_length(255), shown_text, electronic_address_given], metadata={
            "description": "Where the buyer receives e-invoices (BT-49): an email address or a Peppol "
                           "participant id written scheme:id, such as 0088:4035811991021."})


class LineSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"type": N_("A line object with description, quantity, unit_price and tax_rate.")}

    description = fields.String(required=True, validate=[text_length(4000, min=1), shown_text])
    sku = fields.String(load_default="", validate=[text_length(128), shown_text])
    unit = fields.String(load_default="", validate=[text_length(32), shown_text])
    # The range checks are the fields' own, so they are reported beside any other field's error.
    quantity = DecimalString(required=True, places=6, positive=True, validate=validate.Range(
        min=Decimal(0), min_inclusive=False, error=N_("Must be greater than 0.")))
    unit_price = DecimalString(required=True, places=6)
    tax_rate = DecimalString(load_default=Decimal("0"), places=6, validate=validate.Range(
        min=Decimal(0), max=Decimal(1), max_inclusive=False,
        error=N_("Must be a fraction from 0 up to but not including 1 (\"0.19\" is 19 %).")))
    #: EN 16931 VAT category; empty: Z at rate 0, else S.
    tax_category = fields.String(load_default="", validate=validate.OneOf(
        ("", *TAX_CATEGORY_CODES), error=N_("Must be one of S, Z, E, AE, K, G, O (or empty).")))
    tax_exemption_reason = fields.String(load_default="", validate=[text_length(1000), shown_text])

    @validates_schema(skip_on_field_errors=False)  # it reads only fields that loaded
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        rate, category = data.get("tax_rate"), data.get("tax_category")
        if rate is not None and category in TAX_CATEGORY_CODES:
            problem = tax_category_problem(category, rate, data.get("tax_exemption_reason", ""))
            if problem:
                raise MmValidationError([problem], "tax_category")


_STATUSES = [s.value for s in PaymentStatus]


def _check_url_characters(value: str) -> None:
    """A URL holds quotes, angle brackets and the like only percent-encoded (``integration.links``)."""
    problem = unencoded_problem(value)
    if problem is not None:
        raise MmValidationError(problem)


#: A date given otherwise than ``YYYY-MM-DD`` (a spreadsheet's ``02.11.2026``), or no day of the calendar.
DAY_ERRORS: dict[str, str | list[Any] | dict[Any, Any]] = {
    "invalid": N_("Not a valid date (YYYY-MM-DD, such as 2026-11-02).")}


_LINES_ERRORS: dict[str, str | list[Any] | dict[Any, Any]] = {"invalid": N_("A list of line objects.")}


class InvoiceInputSchema(Schema):
    """Create payload. ``partial=True`` makes it the update payload."""

    class Meta:
        unknown = RAISE

    external_id = fields.String(allow_none=True, validate=[text_length(128, min=1),
                                                           strict_identifier])
    invoice_number = fields.String(allow_none=True, validate=[
        text_length(64, min=1), strict_identifier,
        validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$",
                        error=N_("Use letters, digits and . _ / - only, starting with a letter or digit."))])
    invoice_date = fields.Date(required=True, error_messages=DAY_ERRORS)
    due_date = fields.Date(allow_none=True, error_messages=DAY_ERRORS, metadata={
        "description": "When left out (or null), the invoice date plus the customer's Days to Pay "
                       "(`oro_invoices.seller.payment_days`), else none until given."})
    #: When the goods or services were supplied (BT-72), and/or the period invoiced (BG-14).
    delivery_date = fields.Date(allow_none=True, error_messages=DAY_ERRORS)
    delivery_period_start = fields.Date(allow_none=True, error_messages=DAY_ERRORS)
    delivery_period_end = fields.Date(allow_none=True, error_messages=DAY_ERRORS)
    currency = fields.String(required=True, validate=validate.OneOf(
        sorted(KNOWN_CURRENCIES), error=N_("Unknown currency code; use an ISO 4217 code such as \"USD\".")))
    organization_id = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1))
    website_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    customer_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    customer_user_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    customer_name = fields.String(allow_none=True, validate=[text_length(255), shown_text])
    customer_user_email = fields.Email(allow_none=True)
    order_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    order_identifier = fields.String(allow_none=True, validate=[text_length(128), shown_text])
    purchase_order = fields.String(allow_none=True, validate=[
        text_length(PURCHASE_ORDER_MAX), shown_reference], metadata={
            "description": "The buyer's purchase order number (PO number, BT-13); null or empty: none."})
    bill_to = fields.Nested(AddressSchema, allow_none=True)
    ship_to = fields.Nested(AddressSchema, allow_none=True)
    #: The buyer's VAT id, country and reference as the invoice states them; else the customer's.
    buyer = fields.Nested(BuyerSchema, allow_none=True)
    lines = fields.List(fields.Nested(LineSchema), required=True, error_messages=_LINES_ERRORS,
                        validate=validate.Length(min=1, max=MAX_LINES,
                                                 error="Give between {min} and {max} lines."))
    status = fields.String(validate=validate.OneOf(["draft", "posted"]))
    payment_status = fields.String(allow_none=True, validate=validate.OneOf(_STATUSES))
    external_payment_url = fields.Url(allow_none=True, schemes={"http", "https"},
                                      validate=[text_length(2048), _check_url_characters])
    #: A historical credit note brought by an import: posted, naming the invoice it credits.
    document_type = fields.String(validate=validate.OneOf(["invoice", "credit_note"]))
    credited_invoice_external_id = fields.String(allow_none=True, validate=[
        text_length(128, min=1), strict_identifier])
    #: Why the credit note was issued, printed on it (only with ``document_type: "credit_note"``).
    credit_reason = fields.String(allow_none=True, validate=[text_length(REASON_MAX), shown_text])

    @validates_schema
    def _check_credit_note(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Skipped after any field's error: a credited invoice's id that failed its own checks
        # is absent here, and "a credit note names the invoice it credits" would be wrong.
        errors: dict[str, Any] = {}
        if data.get("document_type") == "credit_note":
            if not data.get("credited_invoice_external_id"):
                errors["credited_invoice_external_id"] = [
                    N_("A credit note names the external id of the invoice it credits.")]
            if data.get("status") != "posted":
                errors["status"] = [N_("A credit note is created posted: give status \"posted\".")]
        else:
            if data.get("credited_invoice_external_id") is not None:
                errors["credited_invoice_external_id"] = [N_("Only a credit note (document_type \"credit_note\") "
                                                             "credits an invoice.")]
            if data.get("credit_reason"):
                errors["credit_reason"] = [N_("Only a credit note (document_type \"credit_note\") has a reason.")]
        if errors:
            raise MmValidationError(errors)

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Dates, prices and the total, reported beside any field's error: each check reads only
        values that loaded (a line that failed is here without its failed fields)."""
        errors: dict[str, Any] = {}
        inv, due = data.get("invoice_date"), data.get("due_date")
        if inv and due and due < inv:
            errors["due_date"] = [N_("Must not be before the invoice date.")]
        start, end = data.get("delivery_period_start"), data.get("delivery_period_end")
        if start and end and end < start:
            errors["delivery_period_end"] = [N_("Must not be before delivery_period_start.")]
        currency = data.get("currency")
        if currency in KNOWN_CURRENCIES:
            places = minor_units(currency)
            for i, line in enumerate(data.get("lines") or []):
                price = line.get("unit_price")
                if price is not None and decimal_places(price) > max(places, 4):
                    errors.setdefault("lines", {})[i] = {
                        "unit_price": [Message("At most %(places)s decimal places for %(currency)s.",
                                               places=max(places, 4), currency=currency)]}
        # Totals are stored as integer minor units (64-bit): bound the gross total.
        gross = sum((abs(l["quantity"] * l["unit_price"]) * (1 + l.get("tax_rate", 0))
                     for l in data.get("lines") or [] if "quantity" in l and "unit_price" in l), Decimal(0))
        if gross >= MAX_INVOICE_TOTAL and "lines" not in errors:
            errors["lines"] = [Message("The invoice total must be less than %(limit)s.",
                                       limit=format(MAX_INVOICE_TOTAL, ",.0f"))]
        if errors:
            raise MmValidationError(errors)

    @post_load
    def _blank_texts(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # These columns are NOT NULL: null clears the text.
        for key in ("customer_name", "customer_user_email", "order_identifier"):
            if key in data and data[key] is None:
                data[key] = ""
        if "purchase_order" in data:    # kept trimmed; empty: none
            data["purchase_order"] = (data["purchase_order"] or "").strip() or None
        if "buyer" in data and data["buyer"] is not None:    # stated parts only, trimmed; none: None
            data["buyer"] = {part: value.strip() for part, value in data["buyer"].items() if value.strip()} or None
        return data


def check_storable(data: Any, path: str = "") -> None:
    """Refuse what no database column can hold: NUL, lone surrogates, integers beyond 64 bits
    (every such value, each on its path)."""
    problems = unstorable(data, path)
    if problems:
        raise ValidationError(problems)


def unstorable(data: Any, path: str = "") -> list[tuple[str, str]]:
    """``(path, message)`` for each value of ``data`` no database column can hold."""
    if _storable(data):
        return []
    problems: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, Mapping):
            children = []
            for key, item in value.items():
                if isinstance(key, str) and not is_storable_text(key):
                    problems.append((where, "Names must not contain NUL or unpaired surrogate characters."))
                    continue
                children.append((f"{where}.{key}" if where else str(key), item))
            stack.extend(reversed(children))    # taken in the payload's order
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{where}[{i}]", item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str) and not is_storable_text(value):
            problems.append((where, Message("Must not contain NUL or unpaired surrogate characters.")))
        elif isinstance(value, OverlongInteger):
            problems.append((where, f"At most {sys.get_int_max_str_digits()} digits; amounts are decimal "
                                    'strings such as "19.99".'))
        elif isinstance(value, int) and not isinstance(value, bool) and not is_int64(value):
            problems.append((where, "Number out of range."))
    return problems


def _stored_stand_in(value: Any) -> Any:
    """``value`` with what no column holds made storable (text without those characters, an
    integer out of range as 1), to check the rest of a payload whose such values are refused."""
    if isinstance(value, Mapping):
        return {key: _stored_stand_in(item) for key, item in value.items()
                if not isinstance(key, str) or is_storable_text(key)}
    if isinstance(value, list):
        return [_stored_stand_in(item) for item in value]
    if isinstance(value, str):
        return UNSTORABLE_CHARS.sub("", value)
    if isinstance(value, int) and not isinstance(value, bool) and not is_int64(value):
        return 1
    return value


#: In the JSON text of a value, what could be an integer beyond 64 bits: 19 digits or more in a
#: row, found as 19 zeros once every digit is made a zero (several times faster than a regex).
_ZERO_DIGITS = str.maketrans("0123456789", "0" * 10)
_LONG_NUMBER = "0" * 19


def _storable(value: Any) -> bool:
    """True when ``check_storable`` surely refuses nothing in ``value``, found fast.

    False means "look closer" (the walk with field paths decides): ``value`` is not plain
    JSON data, or its JSON text has something that might be refused.
    """
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    # NUL is written "\\u0000"; a lone surrogate stays as it is (a non-ASCII text)
    return ("\\u0000" not in text and (text.isascii() or UNSTORABLE_CHARS.search(text) is None)
            and _LONG_NUMBER not in text.translate(_ZERO_DIGITS))


def load_input(data: Any, *, partial: bool = False) -> dict[str, Any]:
    """Validate a create (or, with ``partial``, update) payload or raise ``errors.ValidationError``."""
    if not isinstance(data, Mapping):
        raise ValidationError([("", "Expected a JSON object with the invoice's fields.")])
    if not partial and _storable(data):
        fast = _CREATE_FAST.load(data) if _CREATE_FAST is not None else None
        if fast is not None:                # valid input, loaded by the same rules
            return fast
    # ``partial`` covers the top-level fields only: a line given in an update is complete.
    loaded: dict[str, Any] = load_storable(_UPDATE if partial else _CREATE, data)
    return loaded


def load_storable(schema: Schema, data: Mapping[str, Any]) -> Any:
    """``schema.load(data)``, or one ``ValidationError`` naming each value no column holds
    (``unstorable``) beside the other fields' problems."""
    refused = unstorable(data)
    if refused:  # each such value, and the other fields' problems beside them
        paths = {where for where, _ in refused}
        try:
            schema.load(_stored_stand_in(data))
        except MmValidationError as exc:
            refused += [(f, m) for f, m in validation_error(exc).errors if f not in paths]
        raise ValidationError(refused)
    try:
        return schema.load(data)
    except MmValidationError as exc:
        raise validation_error(exc) from None


# Schema instances are reusable and costly to build: one of each, for every load.
_CREATE = InvoiceInputSchema()
_UPDATE = InvoiceInputSchema(partial=tuple(_CREATE.fields))
_CREATE_FAST = compile_schema(_CREATE)


def validation_error(exc: MmValidationError) -> ValidationError:
    """The add-on's ``ValidationError`` for marshmallow's, with each field path."""
    messages = exc.messages
    if isinstance(messages, Mapping):
        return ValidationError([(f, translatable(m)) for f, m in flatten_messages(messages)])
    field = "" if exc.field_name == SCHEMA else exc.field_name
    return ValidationError([(field, translatable(m if isinstance(m, str) else str(m))) for m in messages])


#: The longest note, in characters (a line break counted once).
MAX_NOTE = 10_000


class NoteInputSchema(Schema):
    body = fields.String(required=True, validate=[text_length(MAX_NOTE, min=1), shown_text])


class PaymentInputSchema(Schema):
    """A payment transaction recorded through the service."""

    class Meta:
        unknown = RAISE

    method = fields.String(required=True, validate=[text_length(64, min=1), strict_identifier])
    action = fields.String(required=True, validate=validate.OneOf(
        ["charge", "authorize", "capture", "refund", "cancel", "invoice"]))
    amount = DecimalString(required=True, typed=True, positive=True)   # above 0: ``Payments.record``
    successful = JsonBoolean(load_default=True)
    provider_reference = fields.String(allow_none=True, validate=[text_length(255),
                                                                  strict_identifier])
    parent_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=MAX_INT64))
    notes = fields.String(load_default="", validate=[text_length(10_000), shown_text])
    data = fields.Dict(allow_none=True)


class CreditLineSchema(Schema):
    """A line of the invoice to credit: its position and the quantity to take back."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": N_("An object with line (the line's position) and quantity.")}

    line = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_LINES))
    quantity = DecimalString(required=True, places=6, typed=True, positive=True, validate=validate.Range(
        min=Decimal(0), min_inclusive=False, error="Must be greater than 0."))


class CreditAmountSchema(Schema):
    """A net amount to credit at one of the invoice's tax rates."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": N_("An object with tax_rate and amount.")}

    tax_rate = DecimalString(required=True, places=6)
    amount = DecimalString(required=True, typed=True, positive=True, validate=validate.Range(
        min=Decimal(0), min_inclusive=False, error="Must be greater than 0."))


class CreditNoteInputSchema(Schema):
    """What a credit note takes back: everything left (``full``), or lines and/or amounts."""

    class Meta:
        unknown = RAISE

    full = JsonBoolean(load_default=False)
    lines = fields.List(fields.Nested(CreditLineSchema), load_default=list,
                        validate=list_length(MAX_LINES))
    amounts = fields.List(fields.Nested(CreditAmountSchema), load_default=list,
                          validate=list_length(100))
    reason = fields.String(load_default="", validate=text_length(REASON_MAX))
    settlement = fields.String(allow_none=True, load_default=None,
                               validate=validate.OneOf(["refund", "credit", "outside"]))
    transaction_id = fields.Integer(allow_none=True, load_default=None, strict=True,
                                    validate=validate.Range(min=1, max=MAX_INT64))
    buyer_reference = fields.String(load_default="", validate=[text_length(255), shown_reference], metadata={
        "description": "The buyer's reference (BT-10) the credit note states; empty: the invoice's (else the "
                       "customer's). Peppol (the ubl profile) needs one where the invoice states none."})

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        given = bool(data.get("lines") or data.get("amounts"))
        if data.get("full") and given:
            raise MmValidationError(N_("Give either full: true or lines/amounts, not both."), "full")
        if not data.get("full") and not given:
            raise MmValidationError(NOTHING_TO_CREDIT, "lines")


# ---- output ---------------------------------------------------------------

class AddressOut(Schema):
    class Meta:
        unknown = EXCLUDE
    name = fields.String(); organization = fields.String(); street = fields.String()
    street2 = fields.String(); city = fields.String(); region = fields.String()
    postal_code = fields.String(); country = fields.String(); phone = fields.String()


class LineOut(Schema):
    position = fields.Integer()
    description = fields.String()
    sku = fields.String()
    unit = fields.String()
    quantity = DecimalString()
    unit_price = DecimalString()
    tax_rate = DecimalString()
    row_total = DecimalString()
    row_tax = DecimalString()
    row_total_with_tax = DecimalString()
    tax_category = fields.Function(lambda line: line.tax_category.value)
    tax_exemption_reason = fields.String()


class TaxOut(Schema):
    rate = DecimalString()
    base = DecimalString()
    amount = DecimalString()
    tax_category = fields.Function(lambda tax: tax.category.value)
    exemption_reason = fields.String()


class PdfOut(Schema):
    sha256 = fields.String()
    size = fields.Integer()
    created_at = fields.AwareDateTime()
    source = fields.String()


class InvoiceOutputSchema(Schema):
    """An invoice as the API and exports show it; amounts are decimal strings."""

    id = fields.Integer()
    status = fields.Function(lambda inv: inv.status.value)
    invoice_number = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    invoice_date = fields.Date()
    due_date = fields.Date(allow_none=True)
    currency = fields.String()
    organization_id = fields.Integer()
    website_id = fields.Integer(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    customer_user_id = fields.Integer(allow_none=True)
    customer_name = fields.String()
    customer_user_email = fields.String()
    order_id = fields.Integer(allow_none=True)
    order_identifier = fields.String()
    purchase_order = fields.String(metadata={
        "description": "The buyer's purchase order number (PO number, BT-13); empty when it has none."})
    bill_to = fields.Function(lambda inv: inv.bill_to.as_dict() if inv.bill_to else None)
    ship_to = fields.Function(lambda inv: inv.ship_to.as_dict() if inv.ship_to else None)
    seller = fields.Function(lambda inv: inv.seller.as_dict())
    buyer = fields.Function(lambda inv: inv.buyer.as_dict())
    delivery_date = fields.Date(allow_none=True)
    delivery_period_start = fields.Date(allow_none=True)
    delivery_period_end = fields.Date(allow_none=True)
    lines = fields.List(fields.Nested(LineOut))
    taxes = fields.List(fields.Nested(TaxOut))
    subtotal = DecimalString()
    tax_amount = DecimalString()
    total_amount = DecimalString()
    amount_paid = DecimalString()
    amount_due = DecimalString()
    payment_status = fields.Function(lambda inv: inv.payment_status.value)
    # a draft is not payable yet: no label, as the pages show none for it
    payment_status_label = fields.Function(lambda inv: inv.payment_status.label if inv.is_posted else None)
    payment_status_forced = fields.Boolean()
    external_payment_url = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    posted_at = fields.AwareDateTime(allow_none=True)
    pdf = fields.Nested(PdfOut, allow_none=True)
    document_type = fields.Function(lambda inv: inv.document_type.value)
    amount_credited = DecimalString()
    amount_held = DecimalString(metadata={
        "description": "What open authorizations hold of amount_due: the seller collects it by capturing, so "
                       "it is not offered to pay."})
    #: Filled in by ``dump_invoice`` for the day of the dump (``domain.overdue``).
    overdue = fields.Boolean(metadata={"description": "Posted, unpaid and past its due date, and not held in full by "
                                                      "open authorizations (amount_held)."})
    days_overdue = fields.Integer(metadata={"description": "Days past the due date; 0 when not overdue."})
    credited_invoice = fields.Function(lambda inv: _ref(inv.credited_invoice))
    credit_reason = fields.String(metadata={
        "description": "A credit note: why it was issued, as printed on it; empty when no reason was given."})
    reissued_from = fields.Function(lambda inv: _ref(inv.reissued_from))


def _ref(ref: DocumentRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"id": ref.id, "number": ref.number, "date": ref.date.isoformat(),
            "document_type": ref.document_type.value}


def overdue_fields(invoice: OverdueFacts, today: dt.date) -> dict[str, Any]:
    """``overdue`` and ``days_overdue`` of an invoice (or a list row) on ``today``."""
    days = days_overdue(invoice, today)
    return {"overdue": days > 0, "days_overdue": days}


def dump_invoice(invoice: InvoiceDocument, *, today: dt.date) -> dict[str, Any]:
    """The invoice as the API's JSON object; overdue as of ``today``, which the caller gives as
    today in the time zone of the invoice's organization (``ServiceContext.books_today(invoice)``),
    never the UTC date."""
    dumped: dict[str, Any] = InvoiceOutputSchema().dump(invoice)
    dumped.update(overdue_fields(invoice, today))
    return dumped
