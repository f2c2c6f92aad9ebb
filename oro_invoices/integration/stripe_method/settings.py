"""The Stripe method's settings (declared in config_schema.yaml) as one value."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oro_invoices.integration.payment_methods import MethodConfig

PREFIX = "oro_invoices.stripe."
SECRET_KEY = PREFIX + "secret_key"
PUBLISHABLE_KEY = PREFIX + "publishable_key"
WEBHOOK_SECRET = PREFIX + "webhook_secret"
JS_URL = PREFIX + "js_url"
API_BASE = PREFIX + "api_base"
PAYMENT_ACTION = PREFIX + "payment_action"
REAUTHORIZE = PREFIX + "reauthorize"
SETTING_KEYS = (SECRET_KEY, PUBLISHABLE_KEY, WEBHOOK_SECRET, JS_URL, API_BASE, PAYMENT_ACTION, REAUTHORIZE)

#: What Stripe answers at its own addresses (the settings' defaults say the same).
STRIPE_API_BASE = "https://api.stripe.com"
STRIPE_JS_URL = "https://js.stripe.com/v3/"
#: ``payment_action``: charge at once, or only authorize (captured later in the Stripe Dashboard).
CHARGE, AUTHORIZE = "charge", "authorize"


@dataclass(frozen=True)
class StripeSettings:
    """The Stripe settings of one scope, trimmed."""

    secret_key: str
    publishable_key: str
    webhook_secret: str
    js_url: str
    api_base: str
    payment_action: str
    #: Keep the card of an authorization for off-session use, so that it can be renewed.
    reauthorize: bool = False

    @property
    def configured(self) -> bool:
        """Both keys are set: payments can be started."""
        return bool(self.secret_key and self.publishable_key)

    @property
    def keeps_cards(self) -> bool:
        """Authorizations are made with the card kept for renewing them (``setup_future_usage``)."""
        return self.payment_action == AUTHORIZE and self.reauthorize

    @property
    def capture_method(self) -> Literal["automatic", "manual"]:
        """The PaymentIntent's ``capture_method`` for the payment action."""
        return "manual" if self.payment_action == AUTHORIZE else "automatic"


def read(config: MethodConfig) -> StripeSettings:
    """The method's settings from the values the service passes (missing ones count as empty)."""
    def text(key: str) -> str:
        return str(config.get(key) or "").strip()
    return StripeSettings(
        secret_key=text(SECRET_KEY), publishable_key=text(PUBLISHABLE_KEY),
        webhook_secret=text(WEBHOOK_SECRET), js_url=text(JS_URL) or STRIPE_JS_URL,
        api_base=(text(API_BASE) or STRIPE_API_BASE).rstrip("/"),
        payment_action=AUTHORIZE if text(PAYMENT_ACTION) == AUTHORIZE else CHARGE,
        reauthorize=config.get(REAUTHORIZE) is True)
