"""What the staff's alert about an authorization its provider is about to release says of it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class AuthorizationNotice:
    """The ``authorization`` of ``authorization_expiring_template``."""

    amount: Decimal
    currency: str
    #: The payment method's label ("Stripe").
    method: str
    held_until: dt.datetime
    #: Why the renewal run could not renew it (None: it was not tried).
    renewal_problem: str | None = None
    #: The invoice's back-office page, as the host writes it (None: the host cannot say).
    invoice_url: str | None = None
