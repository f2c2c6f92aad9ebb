"""One locale-aware formatting of what people read, shared by the pages, the PDF and the emails.

``Formatter(locale, timezone)`` formats amounts, unit prices, quantities with their units,
rates, dates, times with their zone, country names and addresses for one locale (Babel and
CLDR); its ``filters()`` are the templates' filters. ``addresses`` holds the table of address
orders per country, ``units`` the names of quantity units, ``zones`` the time zone checks,
``line_breaks`` keeps Japanese words whole on the PDF, ``spreadsheet`` writes CSV cells
that a spreadsheet shows as text, never runs as a formula.
"""
from __future__ import annotations

from oro_invoices.formatting.addresses import ADDRESS_FORMATS, address_lines, country_name
from oro_invoices.formatting.formatter import Formatter, check_locale, number_pattern
from oro_invoices.formatting.line_breaks import keep_words
from oro_invoices.formatting.units import unit_name
from oro_invoices.formatting.zones import check_timezone

__all__ = ["ADDRESS_FORMATS", "Formatter", "address_lines", "check_locale", "check_timezone",
           "country_name", "keep_words", "number_pattern", "unit_name"]
