"""What Oscar has no place for: settings by scope, the add-on's registries, business customers,
an order's purchase order number.

Oscar's own models are used for everything else: orders and lines are the orders, users the
customer users, partners the organizations, Django's sites the websites and a
``CommunicationEventType`` each email template.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from oro_invoices.adapters.oscar.translation import gettext_lazy, in_active_language
from oro_invoices.domain.limits import PURCHASE_ORDER_MAX
from oro_invoices.i18n import N_

#: The scopes an Oscar shop has (customer groups do not exist in Oscar).
SCOPE_CHOICES = (("global", gettext_lazy(N_("Global"))),
                 ("organization", gettext_lazy(N_("Organization (partner)"))),
                 ("website", gettext_lazy(N_("Website (site)"))), ("customer", gettext_lazy(N_("Customer"))))


class ConfigValue(models.Model):
    """One setting's value at one scope; ``scope_id`` 0 at global scope."""

    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=20, choices=SCOPE_CHOICES)
    scope_id = models.BigIntegerField(default=0)
    value = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "scope", "scope_id"],
                                               name="oro_invoices_config_unique")]
        # a request reads its customer's values by place (ConfigStoreByPlace.stored_at)
        indexes = [models.Index(fields=["scope", "scope_id"], name="oro_invoices_config_place")]
        default_permissions = ()  # no admin page: nothing to add, change, delete or view by hand
        verbose_name = gettext_lazy(N_("setting value"))
        verbose_name_plural = gettext_lazy(N_("setting values"))

    def __str__(self) -> str:
        return f"{self.key} @ {self.scope} {self.scope_id or ''}".strip()


class RegistryEntry(models.Model):
    """A keyed entry the add-on registers: menu entry, order tab, pay hook, settings group …"""

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    data = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"],
                                               name="oro_invoices_registry_unique")]
        default_permissions = ()  # no admin page
        verbose_name = gettext_lazy(N_("registry entry"))
        verbose_name_plural = gettext_lazy(N_("registry entries"))

    def __str__(self) -> str:
        return f"{self.kind}: {self.key}"


class EmailTemplateDefault(models.Model):
    """The add-on's default of an email template; the one sent is the Oscar
    ``CommunicationEventType`` ``code``, which a shop admin edits in Oscar's dashboard."""

    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=128, unique=True)
    data = models.JSONField()

    class Meta:
        default_permissions = ()  # no admin page: shop admins edit the CommunicationEventType
        verbose_name = gettext_lazy(N_("email template default"))
        verbose_name_plural = gettext_lazy(N_("email template defaults"))

    def __str__(self) -> str:
        return str(self.name)


def check_einvoice_address(value: str) -> None:
    """An e-invoice address must be one an e-invoice can state (BT-49): an email address or a
    Peppol participant id ``scheme:id``."""
    from django.core.exceptions import ValidationError

    from oro_invoices.documents.einvoice.terms import electronic_address
    if value.strip() and electronic_address(value) is None:
        raise ValidationError(in_active_language(N_("Must be an email address or a Peppol participant id "
                                                    "written scheme:id, such as 0088:4035811991021.")))


class BusinessCustomer(models.Model):
    """A customer (a company) whose users buy in the shop, in a partner's organization."""

    # translated when the admin shows them: lazy strings equal to the English a migration keeps
    name = models.CharField(gettext_lazy(N_("name")), max_length=255)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children", verbose_name=gettext_lazy(N_("parent")))
    organization = models.ForeignKey("partner.Partner", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="invoice_customers",
                                     verbose_name=gettext_lazy(N_("organization")),
                                     help_text=gettext_lazy(N_("The partner whose invoices this customer gets.")))
    vat_id = models.CharField(gettext_lazy(N_("VAT id")), max_length=40, blank=True)
    country_code = models.CharField(gettext_lazy(N_("country code")), max_length=2, blank=True)
    buyer_reference = models.CharField(gettext_lazy(N_("buyer reference")), max_length=100, blank=True)
    einvoice_address = models.CharField(
        gettext_lazy(N_("e-invoice address")), max_length=255, blank=True, validators=[check_einvoice_address],
        help_text=gettext_lazy(N_("Where the customer receives e-invoices (BT-49): an invoicing email address or a "
                                  "Peppol participant id written scheme:id, such as 0088:4035811991021. Empty: "
                                  "the customer user's email.")))

    class Meta:
        ordering = ["name"]
        verbose_name = gettext_lazy(N_("business customer"))
        verbose_name_plural = gettext_lazy(N_("business customers"))

    def __str__(self) -> str:
        return str(self.name)


class Buyer(models.Model):
    """An Oscar user as a customer user: their customer and which invoices they see."""

    ROLE_CHOICES = (("none", gettext_lazy(N_("No invoices"))), ("own", gettext_lazy(N_("Own invoices"))),
                    ("department", gettext_lazy(N_("The customer's invoices"))),
                    ("corporate", gettext_lazy(N_("The customer's and its sub-customers' invoices"))))

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="invoice_buyer", verbose_name=gettext_lazy(N_("user")))
    customer = models.ForeignKey(BusinessCustomer, on_delete=models.CASCADE, related_name="buyers",
                                 verbose_name=gettext_lazy(N_("customer")))
    invoice_role = models.CharField(gettext_lazy(N_("invoice role")), max_length=20, choices=ROLE_CHOICES,
                                    default="own")

    class Meta:
        verbose_name = gettext_lazy(N_("buyer"))
        verbose_name_plural = gettext_lazy(N_("buyers"))

    def __str__(self) -> str:
        return f"{self.user} ({self.customer})"


class SiteOrganization(models.Model):
    """Which partner (organization) a Django site (website) belongs to."""

    site = models.OneToOneField("sites.Site", on_delete=models.CASCADE, related_name="invoice_organization",
                                verbose_name=gettext_lazy(N_("site")))
    organization = models.ForeignKey(
        "partner.Partner", on_delete=models.CASCADE, related_name="invoice_sites",
        verbose_name=gettext_lazy(N_("organization")),
        help_text=gettext_lazy(N_("The partner (organization) the site belongs to, and with it the site's orders "
                                  "whose lines name no partner. A site without one belongs to the default "
                                  "organization.")))

    class Meta:
        verbose_name = gettext_lazy(N_("site organization"))
        verbose_name_plural = gettext_lazy(N_("site organizations"))

    def __str__(self) -> str:
        return f"{self.site} → {self.organization}"


def check_purchase_order(value: str) -> None:
    """A PO number must be one an invoice can state (the API's ``purchase_order`` rules: length,
    control, text-direction and invisible characters)."""
    from django.core.exceptions import ValidationError

    from oro_invoices.services.schemas import InvoiceInputSchema
    found = InvoiceInputSchema(partial=True).validate({"purchase_order": value})
    if "purchase_order" in found:
        raise ValidationError(in_active_language(found["purchase_order"][0]))


class OrderPurchaseOrder(models.Model):
    """The buyer's purchase order number (BT-13) of an Oscar order, which Oscar's ``Order`` has no
    field for: the order's invoices state it (``OrderSnapshot.purchase_order``)."""

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="invoice_purchase_order",
                                 verbose_name=gettext_lazy(N_("order")))
    number = models.CharField(gettext_lazy(N_("PO number")), max_length=PURCHASE_ORDER_MAX, blank=True,
                              validators=[check_purchase_order],
                              help_text=gettext_lazy(N_("The buyer's purchase order number, which the order's "
                                                        "invoices state (BT-13).")))

    class Meta:
        verbose_name = gettext_lazy(N_("purchase order number"))
        verbose_name_plural = gettext_lazy(N_("purchase order numbers"))

    def __str__(self) -> str:
        return str(self.number)


class InvoicePermissions(models.Model):
    """Holds the add-on's permissions (no table): grant them to dashboard users and groups.

    Django stores the permissions' names in English; Django admin's permission pickers show them
    translated (``permission_labels``)."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = gettext_lazy(N_("invoice permission"))
        verbose_name_plural = gettext_lazy(N_("invoice permissions"))
        permissions = (
            ("view_invoices", N_("Can see invoices")),
            ("delete_invoices", N_("Can delete draft invoices")),
            ("send_invoices", N_("Can send invoices to customers")),
            ("note_invoices", N_("Can add notes to invoices")),
            ("manage_invoice_payments", N_("Can refund, capture, cancel and re-authorize invoice payments")),
            ("credit_invoices", N_("Can issue credit notes, void and re-issue invoices")),
            ("import_invoices", N_("Can create and update invoices (import, API)")),
            ("configure_invoices", N_("Can change the invoice settings of their organization")),
            ("configure_invoices_global", N_("Can change the invoice settings of every organization")),
        )
