"""Oscar's Django admin for payment sources, their transactions and source types, with the
add-on's own ("Invoice" sources, their transactions, the "Invoice" type) out of staff's hands.

The add-on keeps one "Invoice" source per invoice on its order, debited or refunded with a
transaction each time the invoice's amount paid changes (``payments``): one added, changed or
deleted by hand would make the order's books disagree with its invoices. As for payment events
(``event_admin``), the admins the payment app registered (Oscar's, or a shop's fork's) stay
the base: each is registered again as a subclass with one of the mixins below, which

- leave the add-on's type out of a source's Source type, and its sources out of a
  transaction's Source, and refuse one posted all the same, saying why;
- show the add-on's sources and their transactions read-only (saying why), and delete none of
  them: nor the order they are on, which Django would delete them with;
- refuse the add-on's type name for a source type (added or renamed), and show the add-on's
  type read-only, not deletable (its sources would go with it).

A shop that registers its own admin for these models afterwards mixes them in itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from oscar.core.loading import get_model

from oro_invoices.adapters.oscar.event_admin import (
    HandMadeEventTypeField,
    ShownObject,
    register_with,
    view_only_notice,
)
from oro_invoices.adapters.oscar.payments import SOURCE_TYPE
from oro_invoices.adapters.oscar.source_types import (
    is_addon_source_type,
    reserved_source_type,
    source_refusal,
    source_type_name,
    source_type_name_refusal,
)


class HandMadeSourceTypeField(HandMadeEventTypeField):
    """A payment source's Source type: the add-on's left out, and refused when posted all the same."""

    def addon_choices(self) -> Iterable[tuple[Any, str]]:
        addon = self.queryset.model._default_manager.filter(name=SOURCE_TYPE)
        choices: Iterable[tuple[Any, str]] = addon.values_list(self.to_field_name or "pk", "name")
        return choices

    def refusal(self, name: str) -> str:
        return source_refusal(name)


class HandMadeSourceField(HandMadeEventTypeField):
    """A transaction's Source: the add-on's sources left out, and refused when posted all the same."""

    def addon_choices(self) -> Iterable[tuple[Any, str]]:
        addon = self.queryset.model._default_manager.filter(source_type__name=SOURCE_TYPE)
        choices: Iterable[tuple[Any, str]] = addon.values_list(self.to_field_name or "pk", "source_type__name")
        return choices

    def refusal(self, name: str) -> str:
        return source_refusal(name)


def _source_refusal(name: str | None) -> str | None:
    return source_refusal(name) if name is not None and is_addon_source_type(name) else None


class _ReadOnlyAddonRows(ShownObject):
    """The add-on's rows (``addon_type_of(obj)`` names its type) read-only, not deletable, saying why."""

    def addon_type_of(self, obj: Any) -> str | None:
        """The add-on's source type name when ``obj`` is one of its rows, else None."""
        raise NotImplementedError

    def _is_addon(self, obj: Model | None) -> bool:
        return obj is not None and is_addon_source_type(self.addon_type_of(obj))

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._is_addon(obj):
            return False
        allowed: bool = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._is_addon(obj):
            return False
        allowed: bool = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        view_only_notice(request, _source_refusal(self.addon_type_of(self._shown(request, object_id))))
        response: HttpResponse = super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context)
        return response


class SourceAdminMixin(_ReadOnlyAddonRows):
    """For a payment ``Source`` admin: the add-on's sources are not added, changed or deleted by hand."""

    def addon_type_of(self, obj: Any) -> str | None:
        return source_type_name(obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "source_type":
            kwargs.setdefault("queryset", db_field.remote_field.model._default_manager.exclude(name=SOURCE_TYPE))
            kwargs.setdefault("form_class", HandMadeSourceTypeField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class TransactionAdminMixin(_ReadOnlyAddonRows):
    """For a payment ``Transaction`` admin: the add-on's sources' transactions are not added,
    changed or deleted by hand."""

    def addon_type_of(self, obj: Any) -> str | None:
        return source_type_name(getattr(obj, "source", None))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "source":
            kwargs.setdefault("queryset", db_field.remote_field.model._default_manager
                              .exclude(source_type__name=SOURCE_TYPE))
            kwargs.setdefault("form_class", HandMadeSourceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


def _not_reserved(value: str) -> None:
    name = reserved_source_type(value or "")
    if name is not None:
        raise ValidationError(source_type_name_refusal(name), code="addon_source_type")


class SourceTypeAdminMixin(_ReadOnlyAddonRows):
    """For a payment ``SourceType`` admin: the add-on's type keeps its name and stays."""

    def addon_type_of(self, obj: Any) -> str | None:
        name: str | None = getattr(obj, "name", None)
        return name

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if db_field.name == "name" and field is not None:
            field.validators = [*field.validators, _not_reserved]
        return field


def register() -> None:
    """Register the payment app's source, transaction and source type admins again, with the
    add-on's rows kept out."""
    register_with(get_model("payment", "Source"), SourceAdminMixin)
    register_with(get_model("payment", "Transaction"), TransactionAdminMixin)
    register_with(get_model("payment", "SourceType"), SourceTypeAdminMixin)
