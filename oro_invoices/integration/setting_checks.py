"""Checks a setting's value gets when it is saved, beyond its format: those that look outside the
value (a file on the server), so they run when an administrator changes it, not each time the
value is read (a file missing for a moment must not switch a feature off unnoticed: what reads
it then says so itself)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from oro_invoices.domain.messages import N_, Message

SIGNING_CERTIFICATE = "oro_invoices.einvoice.signing_certificate"


def _signing_certificate(path: str) -> Message | None:
    from oro_invoices.documents.einvoice.signing import certificate_problem
    return certificate_problem(path) if path else None


#: The check of each setting that has one: what is wrong with a (valid, non-empty) new value.
SAVE_CHECKS: dict[str, Callable[[str], Message | None]] = {SIGNING_CERTIFICATE: _signing_certificate}


PAYMENT_MEANS = "oro_invoices.seller.payment_means"
EINVOICES = "oro_invoices.einvoice.enabled"
PROFILE = "oro_invoices.einvoice.profile"
#: The e-invoice profiles that cannot state direct debit: it needs the mandate reference
#: (BT-89, PEPPOL-EN16931-R061, BR-DE-25-a), which invoices do not keep.
NO_DIRECT_DEBIT = frozenset({"ubl", "xrechnung", "xrechnung_ubl"})
#: The payment means that are direct debits (49, 59).
DIRECT_DEBITS = frozenset({"direct_debit", "sepa_direct_debit"})
#: The settings whose values together can make every posting's e-invoice fail (``combined_problem``).
COMBINED = (PAYMENT_MEANS, EINVOICES, PROFILE)


def combined_problem(values: Mapping[str, Any], labels: Mapping[str, str],
                     place: tuple[str, int] | None = None) -> Message | None:
    """What is wrong with the effective ``values`` of ``COMBINED`` together, or None.

    ``labels``: the label of each key's chosen value, named in the message. ``place``: the scope
    and id below the one saved whose values these are (an organization or a website that keeps one
    of them itself), named in the message; None for the scope saved.
    """
    if not (values[EINVOICES] and values[PROFILE] in NO_DIRECT_DEBIT and values[PAYMENT_MEANS] in DIRECT_DEBITS):
        return None
    means, profile = Message(labels[PAYMENT_MEANS]), Message(labels[PROFILE])
    if place is None:
        return Message(N_("%(means)s cannot be stated in %(profile)s e-invoices: they need the direct debit "
                          "mandate reference (BT-89), which invoices do not keep, so every posting would be "
                          "refused. Choose another payment means or e-invoice profile."),
                       means=means, profile=profile)
    words = {"organization": N_("Organization %(id)s would then make %(profile)s e-invoices with %(means)s, "
                                "which they cannot state: they need the direct debit mandate reference (BT-89), "
                                "which invoices do not keep, so every posting there would be refused. Choose "
                                "another payment means or e-invoice profile, here or for that organization."),
             "website": N_("Website %(id)s would then make %(profile)s e-invoices with %(means)s, which they "
                           "cannot state: they need the direct debit mandate reference (BT-89), which invoices "
                           "do not keep, so every posting there would be refused. Choose another payment means "
                           "or e-invoice profile, here or for that website.")}
    return Message(words[place[0]], id=str(place[1]), means=means, profile=profile)
