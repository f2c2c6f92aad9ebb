"""Shipped hosts: ``memory`` (an in-memory host for tests and the kit) and ``reference`` (a Flask shop).

Each implements the adapter interfaces of ``oro_invoices.adapters`` and is registered under the
``oro_invoices.hosts`` entry-point group. Nothing in the add-on's core imports a host.
"""
