"""The add-on's stored setting values as one request reads them.

A request resolves many keys (feature checks, the payment policy, each gated menu entry), so
within ``settings_memo.remember_settings()`` the values are read from the host's store in as
few calls as possible. The scopes whose values are bounded by the host's organizations and
websites are read whole on the first setting asked for; customer groups and customers, of which
a shop may have hundreds of thousands each with a value of its own (a customer's document
language), are read only for the ids the request asks about, or says beforehand it will ask
about (``expect``: then with the first read, in the same call). A store without
``stored_at`` (``ConfigStoreByPlace``) is read whole, once.
"""
from __future__ import annotations

from typing import Any

from oro_invoices.adapters.config_store import ConfigStore, ScopeContext, StoredSetting

#: Read whole on a request's first setting.
WHOLE_SCOPES = ("global", "organization", "website")
#: Read for the ids a request asks about.
PER_ID_SCOPES = ("customer_group", "customer")


class RequestValues:
    """The values stored under ``prefix`` that this request has read, by (key, scope, id)."""

    __slots__ = ("store", "prefix", "values", "places", "expected", "read", "complete")

    def __init__(self, store: ConfigStore, prefix: str) -> None:
        self.store = store
        self.prefix = prefix
        self.values: dict[tuple[str, str, int | None], Any] = {}
        #: the (customer group or customer scope, id) pairs read
        self.places: set[tuple[str, int]] = set()
        #: the (scope, id) pairs to read with the next read (``expect``)
        self.expected: set[tuple[str, int]] = set()
        #: whether the whole scopes have been read
        self.read = False
        #: whether every stored value has been read (a store without ``stored_at``)
        self.complete = False

    def expect(self, ctx: ScopeContext) -> None:
        """Read the values of ``ctx``'s customer group and customer with the next read, whatever
        context it is for (nothing more is read now): a page that knows early which customer it
        shows reads their values in the same call as the whole scopes."""
        if not self.complete:
            self.expected.update((scope, scope_id) for scope in PER_ID_SCOPES
                                 if (scope_id := ctx.scope_id(scope)) is not None
                                 and (scope, scope_id) not in self.places)

    def cover(self, ctx: ScopeContext) -> None:
        """Read what is not read yet of the values that can apply in ``ctx``: the whole
        scopes the first time, and its customer group's and customer's."""
        if self.complete:
            return
        wanted = [(scope, scope_id) for scope in PER_ID_SCOPES
                  if (scope_id := ctx.scope_id(scope)) is not None and (scope, scope_id) not in self.places]
        if self.read and not wanted:
            return
        wanted.extend(place for place in sorted(self.expected) if place not in wanted)
        self.expected.clear()
        stored_at = getattr(self.store, "stored_at", None)
        if stored_at is None:
            found = self.store.stored(self.prefix)
            self.complete = True
        else:
            found = stored_at(self.prefix, () if self.read else WHOLE_SCOPES, wanted)
        self.read = True
        self.places.update(wanted)
        for item in found:
            self.values[(item.key, item.scope, item.scope_id)] = item.value

    def get(self, key: str, scope: str, scope_id: int | None) -> Any | None:
        """The value stored at exactly this place (read by ``cover`` of a context naming it)."""
        return self.values.get((key, scope, scope_id))

    def at_scope(self, key: str, scope: str) -> list[StoredSetting] | None:
        """Every value of ``key`` stored at ``scope``, any id; None when those were not all read."""
        if not (self.complete or (self.read and scope in WHOLE_SCOPES)):
            return None
        return [StoredSetting(k, s, scope_id, value)
                for (k, s, scope_id), value in self.values.items() if k == key and s == scope]
