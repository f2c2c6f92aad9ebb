"""E-invoices (Factur-X / ZUGFeRD): the CII XML, its official checks, the PDF/A-3 hybrid.

Needs the ``einvoice`` extra (lxml, pikepdf, saxonche, factur-x for its rule files).
"""
