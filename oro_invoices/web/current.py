"""The request being answered, bound for the duration of each page and API request.

The host's ``Users``, ``Layout`` and ``Urls`` take no request argument. While the
mounting code (``oro_invoices.web.mounting``) answers a request it binds the
framework-neutral ``Request`` in a context variable, so a host reads it with
``current_request()`` in any framework, threaded or async::

    from oro_invoices.web import current_request

    class MyUsers:
        def current(self) -> CurrentUser:
            request = current_request()
            if request is None:          # outside the add-on's requests
                return ANONYMOUS
            return user_from_session(request.session)

``request.session`` is the host's session mapping and ``request.native`` the
framework's own request. The host's own views can bind a request the same way
with ``bind_request``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from oro_invoices.web.http import Request

_CURRENT: ContextVar[Request | None] = ContextVar("oro_invoices_request", default=None)


def current_request() -> Request | None:
    """The request the add-on is answering in this context, or None outside one."""
    return _CURRENT.get()


@contextmanager
def bind_request(request: Request) -> Iterator[Request]:
    """Make ``request`` the current request until the block ends (nests; restores the outer one)."""
    token = _CURRENT.set(request)
    try:
        yield request
    finally:
        _CURRENT.reset(token)

