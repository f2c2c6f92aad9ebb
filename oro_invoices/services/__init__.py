"""The services: the add-on's operations, each one transaction, composed behind ``InvoiceService``.

``context`` holds what they share (database, collaborators, settings, hooks, the unit of work);
``reads`` gets and lists invoices; ``notes`` keeps notes; ``lifecycle`` creates, changes, posts
and deletes invoices; ``documents`` makes and serves the PDF; ``payments`` records transactions
and the payment status; ``facade`` composes them into ``InvoiceService``. ``mail`` composes,
queues and delivers email; ``importing`` loads invoices from files (``exporting`` writes them); ``verification`` checks the
chain and stored PDFs; ``schemas`` validates payloads. Services use the domain, persistence and
integration layers and never the web layer, a framework adapter or a host.
"""
