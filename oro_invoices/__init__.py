"""oro-invoices: invoice management for any commerce platform."""

__version__ = "0.1.0"
