"""Django admin's permission pickers (a user's permissions, a group's) with the app's permissions named
in the admin's language.

Django stores a permission's name in its table, in English, and a picker shows each permission as
``app | model | name``. The app's and its models' names are already lazy strings of the add-on's
catalogs (``translation.gettext_lazy``); the names of the permissions ``InvoicePermissions`` declares
are shown here from the add-on's catalogs too, by their codename. Every other permission (Django's
add/change/delete/view ones included) is shown as Django shows it. The user and group admins
registered (Django's, Oscar's or a shop's) stay the base: each is registered again as a subclass
with ``PermissionLabelsMixin``; a shop registering its own afterwards mixes it in itself.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.http import HttpRequest

from oro_invoices.adapters.oscar.event_admin import register_with
from oro_invoices.adapters.oscar.models import InvoicePermissions
from oro_invoices.adapters.oscar.translation import in_active_language


def permission_label(permission: Permission) -> str:
    """How a picker names ``permission``: as Django does, with the name of one of the app's own
    permissions in the active language."""
    declared = dict(InvoicePermissions._meta.permissions)
    name = declared.get(permission.codename)
    if name is None or permission.content_type.model_class() is not InvoicePermissions:
        return str(permission)
    return f"{permission.content_type} | {in_active_language(name)}"


class PermissionLabelsMixin:
    """A user or group admin whose permission pickers name permissions by ``permission_label``."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and db_field.remote_field.model is Permission:
            field.label_from_instance = permission_label
        return field


def register() -> None:
    """Register the user and group admins again with ``PermissionLabelsMixin``."""
    register_with(get_user_model(), PermissionLabelsMixin)
    register_with(Group, PermissionLabelsMixin)
