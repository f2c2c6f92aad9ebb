"""Framework-neutral page and API handlers; ``current_request()`` is the request being answered."""
from oro_invoices.web.current import bind_request, current_request

__all__ = ["bind_request", "current_request"]
