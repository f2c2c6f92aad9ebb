"""Django admin for what the app adds (business customers, their buyers, sites' partners, orders'
PO numbers, also on Oscar's order admin), the user and group admins' permission pickers naming the
app's permissions in the admin's language (``permission_labels``), and Oscar's payment event and
payment source admins kept from recording the add-on's payments by hand (``event_admin``,
``source_admin``)."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from oscar.core.loading import get_model

from oro_invoices.adapters.oscar import event_admin, permission_labels, source_admin
from oro_invoices.adapters.oscar.models import BusinessCustomer, Buyer, OrderPurchaseOrder, SiteOrganization


class BuyerInline(admin.TabularInline):
    model = Buyer
    extra = 0
    raw_id_fields = ("user",)


@admin.register(BusinessCustomer)
class BusinessCustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "parent", "vat_id", "country_code", "einvoice_address")
    search_fields = ("name", "vat_id", "einvoice_address")
    inlines = (BuyerInline,)


@admin.register(SiteOrganization)
class SiteOrganizationAdmin(admin.ModelAdmin):
    list_display = ("site", "organization")


@admin.register(OrderPurchaseOrder)
class OrderPurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ("order", "number")
    search_fields = ("order__number", "number")
    raw_id_fields = ("order",)


class PurchaseOrderInline(admin.StackedInline):
    """The order's PO number on Oscar's order admin page."""

    model = OrderPurchaseOrder
    extra = 1
    max_num = 1


class OrderAdminMixin:
    """Oscar's order admin with the order's PO number (``PurchaseOrderInline``) at its foot."""

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        inlines: list[Any] = list(super().get_inlines(request, obj))  # type: ignore[misc]
        return [*inlines, PurchaseOrderInline]


event_admin.register_with(get_model("order", "Order"), OrderAdminMixin)

# Oscar's payment event and payment source admins, with the add-on's rows kept out of staff's hands.
event_admin.register()
source_admin.register()

# The user and group admins' permission pickers, with the app's permissions named in the admin's language.
permission_labels.register()
