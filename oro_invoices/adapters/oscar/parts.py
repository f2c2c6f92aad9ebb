"""The add-on's registries and settings in the shop's database, and its email templates as
Oscar ``CommunicationEventType`` rows a shop admin edits in Oscar's dashboard."""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from oscar.core.loading import get_model

from oro_invoices.adapters.config_store import (
    SettingField,
    SettingsGroup,
    StoredSetting,
)
from oro_invoices.adapters.host_parts import StoredMenu, StoredOrderView, StoredStorefront
from oro_invoices.adapters.oscar.models import ConfigValue, EmailTemplateDefault, RegistryEntry
from oro_invoices.adapters.ui import EmailTemplate

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.oscar.host import OscarHost

GLOBAL_ID = 0  # scope_id stored for the global scope


class OscarConfigStore:
    """Setting values in ``ConfigValue`` rows; declared groups as registry entries."""

    def __init__(self, db: str = "default") -> None:
        self.db = db
        self.groups = Registry("settings_group", db)

    def load(self, key: str, scope: str, scope_id: int | None) -> Any | None:
        found = ConfigValue.objects.using(self.db).filter(key=key, scope=scope, scope_id=scope_id or GLOBAL_ID)
        row = found.values_list("value", flat=True).first()
        return row

    def save(self, key: str, value: Any, scope: str, scope_id: int | None) -> None:
        if value is None:
            raise ValueError("the config store never stores None; delete the value instead")
        ConfigValue.objects.using(self.db).update_or_create(key=key, scope=scope, scope_id=scope_id or GLOBAL_ID,
                                             defaults={"value": value})

    def delete(self, key: str, scope: str, scope_id: int | None) -> None:
        ConfigValue.objects.using(self.db).filter(key=key, scope=scope,
                                                  scope_id=scope_id or GLOBAL_ID).delete()

    def stored(self, prefix: str) -> Iterable[StoredSetting]:
        rows = ConfigValue.objects.using(self.db).filter(key__startswith=prefix).order_by("id")
        return [StoredSetting(r.key, r.scope, None if r.scope == "global" else r.scope_id, r.value)
                for r in rows]

    def stored_at(self, prefix: str, scopes: Collection[str],
                  places: Collection[tuple[str, int]]) -> Iterable[StoredSetting]:
        where = Q(scope__in=list(scopes))
        for scope, scope_id in places:
            where |= Q(scope=scope, scope_id=scope_id)
        rows = ConfigValue.objects.using(self.db).filter(where, key__startswith=prefix).order_by("id")
        return [StoredSetting(r.key, r.scope, None if r.scope == "global" else r.scope_id, r.value)
                for r in rows]

    def declare_settings(self, group: SettingsGroup) -> None:
        self.groups.put(group.key, dataclasses.asdict(group))

    def remove_settings(self, group_key: str) -> None:
        self.groups.remove(group_key)

    def declared_settings(self) -> list[SettingsGroup]:
        return [_group(d) for d in self.groups.all()]


def _group(d: dict[str, Any]) -> SettingsGroup:
    fields = tuple(SettingField(**{**f, "scopes": tuple(f["scopes"]), "choices": tuple(f["choices"])})
                   for f in d["fields"])
    return SettingsGroup(key=d["key"], label=d["label"], path=tuple(d["path"]), fields=fields)


class Registry:
    """Keyed JSON rows of one ``kind``: ``put`` replaces, removing a missing key is fine."""

    def __init__(self, kind: str, db: str = "default"):
        self.kind, self.db = kind, db

    def put(self, key: str, data: dict[str, Any]) -> None:
        """Store ``data`` under ``key``; an unchanged row is not written again."""
        plain = json.loads(json.dumps(data))
        stored = RegistryEntry.objects.using(self.db).filter(kind=self.kind, key=key).first()
        if stored is not None and stored.data == plain:
            return
        RegistryEntry.objects.using(self.db).update_or_create(kind=self.kind, key=key, defaults={"data": plain})

    def remove(self, key: str) -> None:
        RegistryEntry.objects.using(self.db).filter(kind=self.kind, key=key).delete()

    def all(self) -> list[dict[str, Any]]:
        """Every entry in the order it was first registered."""
        rows = RegistryEntry.objects.using(self.db).filter(kind=self.kind).order_by("id")
        return [dict(r.data) for r in rows]


class OscarMenu(StoredMenu):
    """The add-on's back-office entries; Oscar's dashboard shows them through
    ``OSCAR_DASHBOARD_NAVIGATION`` (``navigation.with_invoices``)."""

    def __init__(self, host: OscarHost):
        super().__init__(host, Registry("menu", host.db))


class OscarOrderView(StoredOrderView):
    """Tabs of Oscar's dashboard order page (rendered by the ``order_detail.html`` override)."""

    def __init__(self, host: OscarHost):
        super().__init__(host, Registry("order_tab", host.db))


class OscarStorefront(StoredStorefront):
    """The Pay hook and the entries of Oscar's account menu (``baseaccountpage.html`` override)."""

    def __init__(self, host: OscarHost):
        super().__init__(host, Registry("pay_hook", host.db), Registry("account_entry", host.db))


def event_type_code(name: str) -> str:
    """The ``CommunicationEventType`` code of template ``name`` (upper case, ``ORO_`` first)."""
    return "ORO_" + re.sub(r"[^A-Z0-9_]", "_", name.upper())


def _content(template: EmailTemplate) -> tuple[str, str, str]:
    return template.subject, template.text, template.html


class OscarEmailTemplates:
    """Each template is an Oscar ``CommunicationEventType`` (Dashboard > Content > Emails).

    The add-on's default is kept beside it (``EmailTemplateDefault``): registering a newer
    default updates the event type only while it still holds the previous default, so an
    admin's edit survives upgrades. The bodies are Jinja2, rendered by the add-on.
    """

    def __init__(self, db: str = "default") -> None:
        self.db = db
        self.event_types = get_model("communication", "CommunicationEventType")
        self.defaults = EmailTemplateDefault.objects.db_manager(db)

    def register(self, template: EmailTemplate) -> None:
        code = event_type_code(template.name)
        with transaction.atomic(using=self.db):
            previous = self.defaults.filter(name=template.name).first()
            event = self.event_types.objects.using(self.db).filter(code=code).first()
            label = "Invoices: " + template.name.replace("_", " ").removesuffix(" template")
            if event is None:
                event = self.event_types(code=code, name=label,
                                         category=self.event_types.ORDER_RELATED)
                self._fill(event, template, self.db)
            elif previous is not None and self._holds(event, _stored(previous.data)):
                self._fill(event, template, self.db)  # not customised: follow the new default
            self.defaults.update_or_create(
                name=template.name, defaults={"code": code, "data": dataclasses.asdict(template)})

    @staticmethod
    def _fill(event: Any, template: EmailTemplate, db: str) -> None:
        event.email_subject_template = template.subject
        event.email_body_template = template.text
        event.email_body_html_template = template.html
        event.save(using=db)

    @staticmethod
    def _holds(event: Any, template: EmailTemplate) -> bool:
        shown = (event.email_subject_template or "", event.email_body_template or "",
                 event.email_body_html_template or "")
        return shown == _content(template)

    def remove(self, name: str) -> None:
        with transaction.atomic(using=self.db):
            self.event_types.objects.using(self.db).filter(code=event_type_code(name)).delete()
            self.defaults.filter(name=name).delete()

    def load(self, name: str) -> EmailTemplate | None:
        stored = self.defaults.filter(name=name).first()
        if stored is None:
            return None
        default = _stored(stored.data)
        event = self.event_types.objects.using(self.db).filter(code=stored.code).first()
        if event is None:  # deleted in the dashboard: the default applies
            return default
        return default.edited(subject=event.email_subject_template or "",
                              text=event.email_body_template or "",
                              html=event.email_body_html_template or "")

    def names(self) -> list[str]:
        return sorted(self.defaults.values_list("name", flat=True))

    def customise(self, name: str, **changes: str) -> EmailTemplate:
        """What an admin does in Oscar's email editor: change subject, html or text."""
        current = self.load(name)
        if current is None:
            raise KeyError(f"no email template {name!r}")
        edited = current.edited(**changes)
        event = self.event_types.objects.using(self.db).get(code=event_type_code(name))
        self._fill(event, edited, self.db)
        return edited


def _stored(data: dict[str, Any]) -> EmailTemplate:
    return EmailTemplate(**{**data, "variables": tuple(data.get("variables") or ())})
