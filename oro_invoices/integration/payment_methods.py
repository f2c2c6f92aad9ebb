"""Payment methods: the interface a method implements, and the registry of the installed ones.

A payment method is an object implementing ``PaymentMethod``. Plugins provide methods through
the ``register_payment_methods`` hook; the built-in ones are default plugins, so another plugin
replaces one by registering a method of the same name, or removes it by blocking its default
plugin. The service layer (``oro_invoices.services.checkout``) owns everything around a method:
which invoices may be paid, the payment attempts, applying each provider event once. A method
only talks to its provider: it builds what the payment page shows, reads what the provider
sends back (verifying it), and refunds or cancels (optionally captures and re-authorizes).

Amounts crossing this interface are integers in minor units of ``currency`` (cents, yen).
See docs/payments.md.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from oro_invoices.domain.errors import ConfigurationError, InvoiceError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import N_
from oro_invoices.domain.payment_labels import method_label

if TYPE_CHECKING:  # pragma: no cover
    import pluggy

#: A method's settings for one invoice's scope: each key of ``PaymentMethod.setting_keys``
#: with its effective value.
MethodConfig = Mapping[str, Any]

#: What ``PaymentMethod.start`` asks the payment page to do.
POST_FORM = "post_form"        # an auto-submitting form posting ``fields`` to ``url``
CLIENT_FORM = "client_form"    # a form built in the browser by ``script_url`` from ``fields``
REDIRECT = "redirect"          # send the customer to ``url``
PAGE_KINDS = (POST_FORM, CLIENT_FORM, REDIRECT)

#: How the add-on answers a provider callback (``CallbackResult.reply``).
REPLY_REDIRECT = "redirect"    # the customer's browser came back: 303 to the result page
REPLY_PAGE = "page"            # the provider shows our answer to the customer: a page linking to the result
REPLY_ACK = "ack"              # a server-to-server notification: a plain 200
REPLIES = (REPLY_REDIRECT, REPLY_PAGE, REPLY_ACK)

#: Provider events a method may report (the payment transaction actions).
EVENT_ACTIONS = ("charge", "authorize", "capture", "refund", "cancel")
#: The key of an authorization's ``ProviderEvent.data`` that says until when it can be captured.
CAPTURE_BEFORE = "capture_before"

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class CallbackRejected(InvoiceError):
    """A provider callback that cannot be trusted (bad signature, malformed, unknown merchant).

    ``attempt_id`` is the attempt the callback claims to be about (unverified), when known.
    ``ends_attempt``: whether the refusal ends that attempt as failed (the customer's browser
    brought an answer that cannot be trusted); False for a server-to-server notification, whose
    forgery must change nothing.
    """

    default_message = N_("The payment notification could not be verified.")

    def __init__(self, message: str | None = None, *, attempt_id: str | None = None,
                 ends_attempt: bool = True):
        super().__init__(message)
        self.attempt_id = attempt_id
        self.ends_attempt = ends_attempt


class ProviderError(InvoiceError):
    """The provider could not be reached, or answered something the method cannot read."""

    default_message = N_("The payment provider could not be reached. Please try again later.")


class OutcomeUnknown(ProviderError):
    """The request may have reached the provider, but no answer came back (the connection failed
    or timed out): what the provider did is not known until it reports it. ``detail`` is what
    the connection said, as written."""

    def __init__(self, message: str | None = None, *, detail: str = ""):
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class AmountLimits:
    """The amounts a method takes in one currency, in minor units (both inclusive)."""

    minimum: int
    maximum: int

    def allows(self, amount: int) -> bool:
        return self.minimum <= amount <= self.maximum


@dataclass(frozen=True)
class PaymentRequest:
    """A payment the service recorded as an attempt and asks the method to start.

    :param attempt_id: the add-on's reference of this attempt: unique, at most 40 characters of
        ``[A-Za-z0-9_-]``. Send it to the provider as the order id / idempotency key, so that
        its callbacks can be matched to the attempt.
    :param return_url: the absolute URL of this method's callback route: where the provider
        posts its answer or sends the customer back.
    :param cancel_url: the absolute URL of the payment page, for a "cancel" link at the provider.
    :param customer_email: who pays: the signed-in customer user's address when a customer user
        pays (possibly a colleague of the invoice's customer user), else the invoice's customer
        user's.
    :param invoices: of a payment of several invoices at once (only asked of a method that
        ``pays_several``), every invoice it pays, ``invoice`` first; ``amount`` is then their sum.
        Empty for a payment of one invoice.
    """

    attempt_id: str
    invoice: InvoiceDocument
    amount: int
    currency: str
    description: str
    return_url: str
    cancel_url: str
    customer_email: str
    timestamp: dt.datetime
    config: MethodConfig
    invoices: tuple[InvoiceDocument, ...] = ()


@dataclass(frozen=True)
class PaymentPage:
    """What the payment page shows once a payment is started (see ``PAGE_KINDS``).

    :param url: ``POST_FORM``: the form's action; ``REDIRECT``: where to send the customer.
    :param fields: ``POST_FORM``: the hidden fields; ``CLIENT_FORM``: data for the script
        (rendered as ``data-*`` attributes of the form).
    :param script_url: ``CLIENT_FORM``: the script building the form (or the provider's library
        that ``local_script`` builds it with).
    :param local_script: ``CLIENT_FORM``: the file name of one of the add-on's static scripts
        (``oro_invoices/web/static``), loaded after ``script_url``; "" for none.
    :param provider_reference: the provider's id of the payment, when it has one already
        (kept on the attempt).
    :param origins: further origins the page must reach (``https://api.provider.example``):
        the page's Content-Security-Policy allows them for scripts, frames and requests.
    :param notice: a sentence the page shows the customer above the form (what paying this way
        agrees to); "" for none. A ``Message`` is shown in the customer's language.
    """

    kind: str
    url: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    script_url: str = ""
    local_script: str = ""
    provider_reference: str = ""
    origins: tuple[str, ...] = ()
    notice: str = ""

    def __post_init__(self) -> None:
        if self.kind not in PAGE_KINDS:
            raise ConfigurationError(f"A payment page is one of {', '.join(PAGE_KINDS)}, not {self.kind!r}.")


@dataclass(frozen=True)
class ProviderCallback:
    """A request that reached a method's callback route: from the provider, or from the
    customer's browser coming back from it. ``headers`` keys are lower-case."""

    http_method: str
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class AttemptRecord:
    """What the add-on recorded when it started an attempt (the callback's claims are checked
    against it, never the other way round)."""

    attempt_id: str
    invoice_id: int
    kind: str  # "payment", "refund" or "cancel"
    amount: int
    currency: str
    provider_reference: str = ""


@dataclass(frozen=True)
class ProviderEvent:
    """One outcome reported by a provider, applied to the invoice at most once.

    :param event_id: unique per outcome at this provider; a redelivery carries the same id.
    :param action: one of ``EVENT_ACTIONS``.
    :param amount: what the provider says it took or returned, in minor units.
    :param attempt_id: the attempt this outcome finishes (charges and authorizations).
    :param provider_reference: the provider's id of the transaction (charge, refund …).
    :param parent_reference: for a capture, refund or cancel: the provider reference of the
        charge or authorization it acts on.
    :param data: kept with the transaction. For an authorization, ``CAPTURE_BEFORE`` (an ISO 8601
        time with its offset) says until when the provider holds it; admins see it beside Capture.
    """

    event_id: str
    action: str
    successful: bool
    amount: int
    currency: str
    attempt_id: str | None = None
    provider_reference: str | None = None
    parent_reference: str | None = None
    message: str = ""
    data: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.action not in EVENT_ACTIONS:
            raise ProviderError(f"A provider event's action is one of {', '.join(EVENT_ACTIONS)}, "
                                f"not {self.action!r}.")
        if not self.event_id or len(self.event_id) > 255:
            raise ProviderError("A provider event needs an id of 1 to 255 characters.")


@dataclass(frozen=True)
class Processing:
    """A provider's report that a started payment is on its way: accepted, its outcome known only
    later (a SEPA Direct Debit takes days). The payment then holds ``amount`` of the invoice, so
    that it is not offered again, until the provider reports the charge or its failure.

    :param attempt_id: the payment attempt (as ``ProviderEvent.attempt_id``).
    :param amount: what is being paid, in minor units (checked against the attempt).
    """

    attempt_id: str
    amount: int
    currency: str


@dataclass(frozen=True)
class CallbackResult:
    """What a callback said: its events, the payments it reports on their way (``processing``),
    and which attempt's result page the customer sees."""

    events: tuple[ProviderEvent, ...] = ()
    attempt_id: str | None = None
    reply: str = REPLY_ACK
    processing: tuple[Processing, ...] = ()

    def __post_init__(self) -> None:
        if self.reply not in REPLIES:
            raise ConfigurationError(f"A callback reply is one of {', '.join(REPLIES)}, not {self.reply!r}.")


@dataclass(frozen=True)
class TransactionRef:
    """A recorded charge, capture or authorization, as a refund or cancel refers to it."""

    transaction_id: int
    action: str
    amount: int
    currency: str
    provider_reference: str
    attempt_id: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundRequest:
    """Return ``amount`` of ``transaction`` to the customer.

    :param attempt_id: the add-on's reference of this refund (use it as the idempotency key).
    """

    attempt_id: str
    transaction: TransactionRef
    amount: int
    currency: str
    notes: str
    timestamp: dt.datetime
    config: MethodConfig


@dataclass(frozen=True)
class CancelRequest:
    """Release an authorization that was not captured."""

    attempt_id: str
    transaction: TransactionRef
    notes: str
    timestamp: dt.datetime
    config: MethodConfig


@dataclass(frozen=True)
class CaptureRequest:
    """Take the money an authorization holds: ``amount``, all that remains of it, or less when
    the method captures part (``CapturingMethod.captures_part``).

    :param attempt_id: the add-on's reference of this capture (use it as the idempotency key).
    """

    attempt_id: str
    transaction: TransactionRef
    amount: int
    currency: str
    notes: str
    timestamp: dt.datetime
    config: MethodConfig


@dataclass(frozen=True)
class ReauthorizeRequest:
    """Renew an authorization before its provider releases it: authorize ``amount`` (all that it
    still holds) again on the same card, then release the old hold.

    :param attempt_id: the add-on's reference of the new authorization (its attempt: put it where
        the provider's reports about the new authorization carry it, as ``start`` does).
    """

    attempt_id: str
    transaction: TransactionRef
    invoice: InvoiceDocument
    amount: int
    currency: str
    description: str
    notes: str
    timestamp: dt.datetime
    config: MethodConfig


@dataclass(frozen=True)
class Reauthorization:
    """What renewing an authorization did at the provider.

    :param authorization: the new authorization's event (action ``authorize``, ``attempt_id`` the
        request's), as the provider's own report of it would be.
    :param release: the old authorization's release (action ``cancel``), as the provider reports
        it; kept as part of the renewal, so that the report changes nothing when it arrives.
    """

    authorization: ProviderEvent
    release: ProviderEvent | None = None


@runtime_checkable
class PaymentMethod(Protocol):
    """A way to pay invoices. See docs/payments.md for a walk-through."""

    @property
    def name(self) -> str:
        """The method's identifier, stored in the Payment Method setting and on transactions
        (``[a-z][a-z0-9_]*``, at most 32 characters)."""

    @property
    def label(self) -> str:
        """What customers and admins read ("OroPay", "Stripe")."""

    @property
    def setting_keys(self) -> tuple[str, ...]:
        """The settings (declared in ``config_schema.yaml``) the method reads; their values for
        the invoice's scope arrive as ``config``. A method of another package may return
        ``()`` and read its configuration itself."""

    def limits(self, currency: str, config: MethodConfig) -> AmountLimits | None:
        """The amounts the method takes in ``currency``, or None when it cannot take this
        currency with this configuration (credentials missing, currency not supported)."""

    def start(self, request: PaymentRequest) -> PaymentPage:
        """Start a payment: what the payment page shows next. Raise ``ProviderError`` when the
        provider refuses or cannot be reached."""

    def callback_attempt(self, callback: ProviderCallback) -> str | None:
        """The attempt id a callback claims to be about, read without verifying anything, so
        that the add-on can find the attempt and the settings to verify it with."""

    def handle_callback(self, callback: ProviderCallback, attempt: AttemptRecord | None,
                        config: MethodConfig) -> CallbackResult:
        """Verify a callback and say what happened. Raise ``CallbackRejected`` when it cannot
        be trusted. ``attempt`` is the recorded attempt ``callback_attempt`` named (None when
        it named none or an unknown one)."""

    def refund(self, request: RefundRequest) -> ProviderEvent:
        """Refund part or all of a charge at the provider; the event says how it went."""

    def cancel(self, request: CancelRequest) -> ProviderEvent:
        """Cancel (void) an authorization at the provider; the event says how it went."""


@runtime_checkable
class CapturingMethod(Protocol):
    """A payment method whose authorizations an admin may capture from the back-office
    (optional: without ``capture`` an authorization is captured at the provider and reported)."""

    def capture(self, request: CaptureRequest) -> ProviderEvent | Sequence[ProviderEvent]:
        """Capture ``request.amount`` of the authorization at the provider. The event is the one
        a capture reported by the provider would be: action ``capture``, the amount taken,
        ``parent_reference`` the authorization's provider reference and ``attempt_id`` the
        authorization's attempt (``request.transaction.attempt_id``), so that the capture can be
        refunded later. A method that captures part (``captures_part``) and whose provider then
        releases the rest returns the capture's event followed by the release's (action
        ``cancel``, the rest, the same parent, no attempt).
        Raise ``ProviderError`` when the provider refuses or cannot be reached."""


def captures_part(method: object) -> bool:
    """Whether ``method`` may capture less than an authorization holds: a ``CapturingMethod``
    with ``captures_part = True`` (optional; without it an authorization is captured whole)."""
    return isinstance(method, CapturingMethod) and getattr(method, "captures_part", False) is True


def resends_safely(method: object) -> bool:
    """Whether ``method``'s provider carries out a refund, capture or cancellation sent again under
    the same ``attempt_id`` (its idempotency key) at most once (optional ``resends_safely = True``).
    Then such a request whose answer was lost (``OutcomeUnknown``) is sent again when the admin
    asks for it again; otherwise it is not, and the admin checks at the provider first."""
    return getattr(method, "resends_safely", False) is True


def callback_settings(method: object) -> tuple[str, ...]:
    """The settings a ``method``'s callbacks are verified with (optional ``callback_settings``, a
    tuple of setting keys: a webhook signing secret, say). With them, a callback that names no
    attempt is tried with the values of every scope that configures them, and what it reports is
    recorded only on invoices whose own values are those that verified it; without them, such a
    callback is verified with the global settings only."""
    keys = getattr(method, "callback_settings", ())
    return tuple(keys) if isinstance(keys, tuple) else ()


#: Checks that a callback is genuine with one scope's settings, reading nothing from the provider.
CallbackCheck = Callable[[ProviderCallback, MethodConfig], CallbackResult]


def signature_check(method: object) -> CallbackCheck | None:
    """A ``method``'s optional ``verify_callback(callback, config)``: whether a callback is genuine
    (raise ``CallbackRejected`` when it is not), reading nothing from the provider, answered with
    a ``CallbackResult`` that reports no event. A callback verified with the settings of a scope that
    no invoice has is only checked with it, so the provider is never asked with settings (an API key)
    that may not be that scope's own (a website whose organization the host does not tell)."""
    check = getattr(method, "verify_callback", None)
    return check if callable(check) else None


def account_settings(method: object) -> tuple[str, ...]:
    """The settings that name a ``method``'s account at its provider (optional
    ``account_settings``, a tuple of setting keys: an API key and the API's address, say). Two
    scopes whose values of them are equal and set use one account, whose events the provider
    sends to each scope's endpoint: a copy verified with the other scope's ``callback_settings``
    is then acknowledged and left for the copy to the invoice's own endpoint, not refused."""
    keys = getattr(method, "account_settings", ())
    return tuple(keys) if isinstance(keys, tuple) else ()


@runtime_checkable
class ReauthorizingMethod(Protocol):
    """A payment method that can renew an authorization before it expires (optional; the
    reference product's *Re-authorize*). Without ``reauthorize`` an authorization is captured or
    canceled before its provider releases it."""

    def can_reauthorize(self, transaction: TransactionRef, config: MethodConfig) -> bool:
        """Whether ``transaction`` can be renewed with this configuration (its card was kept for
        payments without the customer, say), without asking the provider."""

    def reauthorize(self, request: ReauthorizeRequest) -> Reauthorization:
        """Authorize the amount again, then release the old authorization. Raise
        ``ProviderError`` when the provider declines or cannot be reached; then nothing may
        have changed at the provider (a new authorization made before the failure is released)."""


@runtime_checkable
class SeveralInvoicesMethod(Protocol):
    """A payment method that takes one payment for several invoices at once (optional; the
    storefront's Pay Selected). Its payment must be an immediate charge of the whole amount: the
    add-on shares what it reports among the invoices, one payment recorded on each, and refunds
    each share on its own (a refund of part of the charge)."""

    def pays_several(self, config: MethodConfig) -> bool:
        """Whether payments of several invoices can be taken with this configuration (it charges
        at once, rather than authorizing)."""


def pays_several(method: object, config: MethodConfig) -> bool:
    """Whether ``method`` takes one payment for several invoices with ``config``."""
    return isinstance(method, SeveralInvoicesMethod) and method.pays_several(config) is True


class PaymentMethods:
    """The installed payment methods by name (the registry)."""

    def __init__(self, methods: Iterable[PaymentMethod] = ()):
        self._methods: dict[str, PaymentMethod] = {}
        for method in methods:
            self._methods.setdefault(method.name, method)

    @classmethod
    def from_plugins(cls, pm: pluggy.PluginManager | None) -> PaymentMethods:
        """The methods the plugins register; of two with the same name, the plugin registered
        last wins (pluggy calls it first)."""
        if pm is None:
            return cls()
        found: list[PaymentMethod] = []
        for result in pm.hook.register_payment_methods():
            for method in result or ():
                found.append(check_method(method))
        return cls(found)

    def get(self, name: str) -> PaymentMethod | None:
        return self._methods.get(name)

    def label(self, code: str | None) -> str:
        """What people read for the method ``code``: the installed method's label, else a known
        label or the code in words (``domain.payment_labels``)."""
        found = self.get(code) if code else None
        return method_label(code, {found.name: found.label} if found is not None else None)

    def names(self) -> tuple[str, ...]:
        return tuple(self._methods)

    def __iter__(self) -> Iterator[PaymentMethod]:
        return iter(self._methods.values())

    def __contains__(self, name: object) -> bool:
        return name in self._methods

    def __len__(self) -> int:
        return len(self._methods)


def check_method(method: object) -> PaymentMethod:
    """``method`` if it implements ``PaymentMethod`` with a valid name, else ``ConfigurationError``."""
    if not isinstance(method, PaymentMethod):
        raise ConfigurationError(f"{method!r} was registered as a payment method but does not "
                                 "implement oro_invoices.integration.payment_methods.PaymentMethod.")
    if not isinstance(method.name, str) or not NAME_PATTERN.match(method.name):
        raise ConfigurationError(f"Payment method {method!r} has the name {method.name!r}; a name is "
                                 "a lower-case letter followed by up to 31 letters, digits or _.")
    return method
