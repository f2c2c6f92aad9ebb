"""An Oscar shop with oro-invoices installed: ``python -m examples.oscar_shop`` (docs/oscar.md)."""
