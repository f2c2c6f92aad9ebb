"""Django admin for what the app adds (business customers, their buyers, sites' partners), and
Oscar's payment event and payment source admins kept from recording the add-on's payments by
hand (``event_admin``, ``source_admin``)."""
from __future__ import annotations

from django.contrib import admin

from oro_invoices.adapters.oscar import event_admin, source_admin
from oro_invoices.adapters.oscar.models import BusinessCustomer, Buyer, SiteOrganization


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


# Oscar's payment event and payment source admins, with the add-on's rows kept out of staff's hands.
event_admin.register()
source_admin.register()
