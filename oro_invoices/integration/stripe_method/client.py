"""The official SDK's client for one scope's settings, and Stripe's errors in the add-on's words.

``stripe`` is imported here, on first use, so that the add-on works without the ``stripe`` extra.
"""
from __future__ import annotations

import importlib.util
import re
from typing import TYPE_CHECKING

from oro_invoices.domain.messages import Message
from oro_invoices.integration.payment_methods import OutcomeUnknown, ProviderError
from oro_invoices.integration.stripe_method.settings import StripeSettings

if TYPE_CHECKING:  # pragma: no cover
    import stripe

#: Network retries of one request; the SDK sends an idempotency key with each, so a retry never
#: does anything twice.
MAX_NETWORK_RETRIES = 2
INSTALL_HINT = "install it with: pip install 'oro-invoices[stripe]'"


def sdk_installed() -> bool:
    """Whether the ``stripe`` package can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("stripe") is not None
    except (ImportError, ValueError):
        return False


def make_client(settings: StripeSettings) -> stripe.StripeClient:
    """A ``StripeClient`` with the scope's secret key, talking to its API base URL."""
    if not settings.secret_key:
        raise ProviderError(Message("Stripe's secret key is not configured (System > Configuration > "
                                    "Invoices > Stripe), so Stripe cannot be asked."))
    try:
        import stripe
    except ImportError:
        raise ProviderError(Message("The Stripe payment method needs the stripe package; %(hint)s.",
                                    hint=INSTALL_HINT)) from None
    return stripe.StripeClient(settings.secret_key, base_addresses={"api": settings.api_base},
                               max_network_retries=MAX_NETWORK_RETRIES)


def connection_problem(text: str) -> str:
    """What went wrong with the connection, from the SDK's text of an ``APIConnectionError``
    ("Unexpected error communicating with Stripe. If this problem persists, let us know at
    support@stripe.com. (Network error: ConnectionError: …[Errno 111] Connection refused…)"):
    the operating system's words ("Connection refused"), a time-out, or the error's kind; the
    text as it is when it says no network error."""
    found = re.search(r"\(Network error: (.*)\)\s*$", text, re.S)
    if found is None:
        return text
    error = found.group(1)
    reason = re.search(r"\[Errno -?\d+\] ([^'\"()\]]+)", error)
    if reason:
        return reason.group(1).strip().rstrip(".")
    if "timed out" in error.lower():
        return "timed out"
    return error.split(":", 1)[0].strip() or error


def provider_error(exc: stripe.StripeError, doing: Message) -> ProviderError:
    """A ``ProviderError`` saying what Stripe answered while ``doing`` ("creating the payment" …)."""
    import stripe
    said = (exc.user_message or str(exc) or type(exc).__name__).strip()
    if isinstance(exc, stripe.APIConnectionError):   # the request may have reached Stripe
        said = connection_problem(said)
        return OutcomeUnknown(Message("Stripe could not be reached while %(doing)s (%(said)s). Nothing was "
                                     "changed there as far as the add-on knows; please try again later.",
                                     doing=doing, said=said), detail=said)
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return ProviderError(Message("Stripe refused the configured secret key while %(doing)s: %(said)s",
                                     doing=doing, said=said))
    if isinstance(exc, stripe.RateLimitError):
        return ProviderError(Message("Stripe is receiving too many requests; %(doing)s was not done. "
                                     "Please try again in a moment.", doing=doing))
    return ProviderError(Message("Stripe refused %(doing)s: %(said)s", doing=doing, said=said))
