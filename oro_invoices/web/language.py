"""Which language a page is shown in: its user's (docs/i18n.md)."""
from __future__ import annotations

from typing import Any

from oro_invoices import i18n
from oro_invoices.web.http import Request


def page_language(request: Request) -> str:
    """The language of ``request``'s user: from the locale the host keeps for the user
    (``CurrentUser.locale``), else from the browser's ``Accept-Language``; a language
    without a catalog is English."""
    locale = getattr(request.user, "locale", "") or ""
    if locale:
        return i18n.language_of(locale)
    return i18n.negotiate(request.header("accept-language"))


def document_title(invoice: Any) -> str:
    """The page title of an invoice or credit note ("Invoice INV-1", "Rechnung INV-1")."""
    if invoice.is_credit_note:
        return i18n.gettext("Credit note %(number)s", number=invoice.display_number)
    return i18n.gettext("Invoice %(number)s", number=invoice.display_number)


#: The actors the add-on itself records (activity "by" lines), by their stored English name.
SYSTEM_ACTORS = {"system": i18n.N_("system"), "reminders": i18n.N_("payment reminders"),
                 "guest payment link": i18n.N_("guest payment link"), "import": i18n.N_("import"),
                 "receipts": i18n.N_("payment receipts"), "mailer": i18n.N_("mail delivery"),
                 "jobs": i18n.N_("background jobs"), "reauthorizations": i18n.N_("re-authorizations"),
                 "authorization-alerts": i18n.N_("authorization alerts")}
_NOTIFICATION = " notification"


def actor_label(actor: str | None) -> str:
    """Who did something, as stored in an activity entry, in the page's language: the add-on's
    own actors ("system", "reminders", "OroPay notification") translated, people as named."""
    name = actor or "system"
    if name in SYSTEM_ACTORS:
        return i18n.gettext(SYSTEM_ACTORS[name])
    if name.endswith(_NOTIFICATION) and "@" not in name:  # "<payment method> notification"
        return i18n.gettext("%(method)s notification", method=name[:-len(_NOTIFICATION)])
    return name


def reminder_step(step: int) -> str:
    """A reminder schedule step as people read it: "7 days overdue", "due in 3 days", "due today"."""
    if step == 0:
        return i18n.gettext("due today")
    if step > 0:
        return i18n.ngettext("%(num)d day overdue", "%(num)d days overdue", step)
    return i18n.ngettext("due in %(num)d day", "due in %(num)d days", -step)
