"""The django-oscar host adapter: oro-invoices as a Django app inside an Oscar shop.

Add ``"oro_invoices.adapters.oscar.apps.OroInvoicesOscarConfig"`` to ``INSTALLED_APPS``
before Oscar's apps (its templates override Oscar's order page and account menu), include
``oro_invoices.adapters.oscar.urls`` in the shop's URLs and run the migrations; docs/oscar.md
is the quick start. Nothing here is imported before Django is set up.
"""
