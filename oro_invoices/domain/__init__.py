"""The pure domain: invoices, lines, money, totals, payment statuses and the error hierarchy.

Nothing here does I/O or imports another layer of the add-on: every other layer builds on these
value objects and rules. ``invoice`` holds the invoice snapshot and line arithmetic, ``money`` exact
amounts per currency, ``statuses`` the payment-status calculation, ``errors`` the add-on's exceptions.
"""
