"""Oscar's Django admin for payment events and payment event types, with the add-on's own
("Invoice payment", "Invoice refund") out of staff's hands.

The add-on records those events when an invoice is paid or refunded (``payments``): one added,
changed or deleted by hand would make the order say money moved that did not, or hide money
that did. The admins the order app registered (Oscar's, or a shop's fork's) stay the base: each
is registered again as a subclass with one of the mixins below, which

- leave the add-on's types out of a payment event's Event type and refuse one posted all the
  same, with the order page's message;
- show the add-on's events (their lines too) read-only, and delete none of them: nor the order
  they are on, which Django would delete them with;
- refuse the add-on's type names for a payment event type (added or renamed), and show the
  add-on's types read-only, not deletable.

A shop that registers its own admin for these models afterwards mixes them in itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import module_has_submodule
from oscar.core.loading import get_model

from oro_invoices.adapters.oscar.event_types import is_addon_type, name_refusal, refusal, reserved_name
from oro_invoices.adapters.oscar.payments import ADDON_EVENT_TYPES


class HandMadeEventTypeField(ModelChoiceField):
    """A payment event's Event type: its queryset leaves the add-on's types out, and one posted
    all the same is refused saying why rather than as an unknown choice."""

    def addon_choices(self) -> Iterable[tuple[Any, str]]:
        """The add-on's choices left out of the queryset: each one's key and the name of its type."""
        addon = self.queryset.model._default_manager.filter(name__in=ADDON_EVENT_TYPES)
        choices: Iterable[tuple[Any, str]] = addon.values_list(self.to_field_name or "pk", "name")
        return choices

    def refusal(self, name: str) -> str:
        """Why a choice of the add-on's type ``name`` is refused."""
        return refusal(name)

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            for found, name in self.addon_choices():
                if str(found) == str(value):
                    raise ValidationError(self.refusal(name), code="addon_choice")
        return super().to_python(value)


def _event_type_name(event: Any) -> str | None:
    event_type = getattr(event, "event_type", None)
    return getattr(event_type, "name", None)


def view_only_notice(request: HttpRequest, why: str | None) -> None:
    """Say ``why`` on the (read-only) change page of one of the add-on's rows, when it is one."""
    if request.method == "GET" and why is not None:
        messages.warning(request, why)


def _event_refusal(name: str | None) -> str | None:
    return refusal(name) if name is not None and is_addon_type(name) else None


class ShownObject:
    def _shown(self, request: HttpRequest, object_id: str) -> Any:
        """The object of the change page ``object_id``, or None (Django then says it is missing)."""
        return self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]


class PaymentEventAdminMixin(ShownObject):
    """For a ``PaymentEvent`` admin: the add-on's event types are not added or changed by hand."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "event_type":
            kwargs.setdefault("queryset", db_field.remote_field.model._default_manager
                              .exclude(name__in=ADDON_EVENT_TYPES))
            kwargs.setdefault("form_class", HandMadeEventTypeField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and is_addon_type(_event_type_name(obj)):
            return False
        allowed: bool = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and is_addon_type(_event_type_name(obj)):
            return False
        allowed: bool = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        view_only_notice(request, _event_refusal(_event_type_name(self._shown(request, object_id))))
        response: HttpResponse = super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context)
        return response


def _not_reserved(value: str) -> None:
    name = reserved_name(value or "")
    if name is not None:
        raise ValidationError(name_refusal(name), code="addon_event_type")


class PaymentEventTypeAdminMixin(ShownObject):
    """For a ``PaymentEventType`` admin: the add-on's types keep their names and stay."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if db_field.name == "name" and field is not None:
            field.validators = [*field.validators, _not_reserved]
        return field

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and is_addon_type(getattr(obj, "name", None)):
            return False
        allowed: bool = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and is_addon_type(getattr(obj, "name", None)):
            return False
        allowed: bool = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        view_only_notice(request, _event_refusal(getattr(self._shown(request, object_id), "name", None)))
        response: HttpResponse = super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context)
        return response


def registered_admin(model: type[Model]) -> type[admin.ModelAdmin[Any]] | None:
    """The admin class registered for ``model`` by its app. Django imports the apps' ``admin``
    modules in ``INSTALLED_APPS`` order, and this app comes before Oscar's: the model's app's
    module is imported here first (Django's later import of it finds it done)."""
    config = apps.get_app_config(model._meta.app_label)
    if module_has_submodule(config.module, "admin"):
        import_module(f"{config.name}.admin")
    if not admin.site.is_registered(model):
        return None  # the shop keeps it out of Django admin
    return type(admin.site.get_model_admin(model))


def register_with(model: type[Model], mixin: type) -> None:
    """Register the admin registered for ``model`` again as a subclass with ``mixin`` (once)."""
    base = registered_admin(model)
    if base is None or issubclass(base, mixin):
        return
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (mixin, base), {"__module__": __name__}))


def register() -> None:
    """Register the order app's payment event admins again, with the add-on's types kept out."""
    register_with(get_model("order", "PaymentEvent"), PaymentEventAdminMixin)
    register_with(get_model("order", "PaymentEventType"), PaymentEventTypeAdminMixin)

