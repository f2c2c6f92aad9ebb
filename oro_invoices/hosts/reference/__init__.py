"""The reference commerce host: a small Flask shop with oro-invoices installed through its adapter.

``create_app`` builds it; ``oro-invoices demo`` runs it seeded; the entry point
``oro_invoices.hosts: reference`` gives the conformance kit a fresh one.
"""
