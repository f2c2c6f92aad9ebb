"""The settings page without its framework (``adapters.settings_form``): what the admin sees at a
scope, the all-or-nothing save, write-only secrets, "Use default" and the scope refusals."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from oro_invoices import i18n
from oro_invoices.adapters.config_store import ScopeContext, SettingField
from oro_invoices.adapters.settings_form import (
    CHOICES_SHOWN,
    Denied,
    FieldRow,
    SettingsForm,
    choose_scope,
    offered_scopes,
    sections,
)
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import SCOPES, Settings
from oro_invoices.integration.profile import settings_group

ORG = 7
SENDER, ENABLED, SECRET = "oro_invoices.mail.sender", "oro_invoices.enabled", "oro_invoices.stripe.secret_key"
ON_INVALID = "oro_invoices.einvoice.on_invalid"


@pytest.fixture
def settings() -> Settings:
    return Settings(MemoryConfigStore())


def fields_at(settings: Settings, scope: str, *keys: str) -> list[SettingField]:
    group = settings_group(settings.schema)
    return [f for f in group.fields if scope in f.scopes and (not keys or f.key in keys)]


def org_form(settings: Settings, *keys: str) -> SettingsForm:
    return SettingsForm(settings, fields_at(settings, "organization", *keys), "organization", ORG,
                        ScopeContext(organization_id=ORG))


def by_key(rows: list[FieldRow]) -> dict[str, FieldRow]:
    return {r.key: r for r in rows}


def test_a_field_not_set_at_the_scope_shows_the_inherited_value_with_use_default(settings: Settings) -> None:
    settings.set(SENDER, "billing@shop.example")  # global
    settings.set(ENABLED, True, "organization", ORG)
    rows = by_key(org_form(settings, SENDER, ENABLED).rows())
    assert (rows[SENDER].value, rows[SENDER].use_default, rows[SENDER].inherited) == \
        ("billing@shop.example", True, "billing@shop.example")
    assert (rows[ENABLED].value, rows[ENABLED].use_default) == (True, False)
    assert rows[ENABLED].error == ""


class ShopHost:
    """A host sending its own emails from the shop's address (``DefaultMailSender``)."""

    def default_mail_sender(self) -> str | None:
        return "Corner Shop <shop@corner.test>"


def sender_rows(settings: Settings, host: object | None, scope: str = "organization", key: str = SENDER) -> FieldRow:
    scope_id = ORG if scope == "organization" else None
    ctx = ScopeContext(organization_id=scope_id)
    [row] = SettingsForm(settings, fields_at(settings, scope, key), scope, scope_id, ctx, host=host).rows()
    return row


def test_the_inherited_sender_is_the_hosts_own_address_mail_is_sent_from(settings: Settings) -> None:
    for scope in ("global", "organization"):
        row = sender_rows(settings, ShopHost(), scope)
        assert (row.value, row.use_default, row.inherited) == ("shop@corner.test", True, "shop@corner.test")
        # a host without an address of its own still inherits the setting's default
        assert sender_rows(settings, object(), scope).inherited == "invoices@example.com"
        assert sender_rows(settings, None, scope).inherited == "invoices@example.com"
    settings.set(SENDER, "billing@corner.test")  # stored globally: that one is inherited, as mail is sent
    assert sender_rows(settings, ShopHost()).inherited == "billing@corner.test"
    assert sender_rows(settings, ShopHost(), "global").inherited == "shop@corner.test"


def test_the_inherited_sender_name_is_the_hosts_while_mail_is_sent_from_its_address(settings: Settings) -> None:
    name = "oro_invoices.mail.sender_name"
    for scope in ("global", "organization"):
        assert sender_rows(settings, ShopHost(), scope, name).inherited == "Corner Shop"
        assert sender_rows(settings, None, scope, name).inherited == ""        # the seller's name is used
    settings.set(SENDER, "billing@corner.test", "organization", ORG)  # this organization sends from its own
    assert sender_rows(settings, ShopHost(), "organization", name).inherited == ""
    assert sender_rows(settings, ShopHost(), "global", name).inherited == "Corner Shop"
    settings.set(name, "Corner Billing")                              # a stored name is inherited as stored
    assert sender_rows(settings, ShopHost(), "organization", name).inherited == "Corner Billing"


def test_labels_help_choices_and_sections_are_in_the_pages_language(settings: Settings) -> None:
    fields = fields_at(settings, "organization", ENABLED, ON_INVALID)
    form = SettingsForm(settings, fields, "organization", ORG, ScopeContext(organization_id=ORG))
    with i18n.using("de"):
        rows = form.rows()
        grouped = sections(fields, rows)
    shown = by_key(rows)
    assert shown[ENABLED].label == "Rechnungen aktivieren"
    assert shown[ENABLED].help.startswith("Schaltet die gesamte Rechnungsfunktion ein")
    assert shown[ON_INVALID].options == (("refuse", "Buchen ablehnen"),
                                         ("post_without", "Mit einfachem PDF buchen"))
    # what "Use default" inherits is shown by its label too
    assert (shown[ON_INVALID].inherited, shown[ON_INVALID].inherited_shown) == ("refuse", "Buchen ablehnen")
    # the help speaks of the labels the select shows, not of the stored codes
    assert "„Buchen ablehnen“" in shown[ON_INVALID].help and "refuse" not in shown[ON_INVALID].help
    assert list(grouped) == ["Allgemein", "E-Rechnung"]
    assert [r.key for rs in grouped.values() for r in rs] == [f.key for f in fields]


def test_a_save_stores_all_fields_or_none_with_each_problem_beside_its_field(settings: Settings) -> None:
    form = org_form(settings, SENDER, ENABLED)
    with i18n.using("de"):
        rows, saved = form.save({ENABLED: "1", SENDER: "not an address"})
    assert not saved
    shown = by_key(rows)
    assert shown[SENDER].error == "Keine gültige E-Mail-Adresse."
    assert shown[SENDER].value == "not an address" and not shown[SENDER].use_default
    assert shown[ENABLED].error == "" and shown[ENABLED].value is True
    assert settings.store.load(ENABLED, "organization", ORG) is None  # nothing stored

    rows, saved = form.save({ENABLED: "1", SENDER: "billing@shop.example"})
    assert saved and all(r.error == "" for r in rows)
    assert settings.store.load(ENABLED, "organization", ORG) is True
    assert settings.resolve(SENDER, ScopeContext(organization_id=ORG)).value == "billing@shop.example"


def test_a_field_left_out_of_the_post_keeps_its_value(settings: Settings) -> None:
    settings.set(SENDER, "billing@shop.example", "organization", ORG)
    _, saved = org_form(settings, SENDER, ENABLED).save({ENABLED: "0"})
    assert saved
    assert settings.store.load(SENDER, "organization", ORG) == "billing@shop.example"
    assert settings.store.load(ENABLED, "organization", ORG) is False


def test_use_default_forgets_the_value_but_refuses_an_edit_made_while_ticked(settings: Settings) -> None:
    settings.set(SENDER, "billing@shop.example", "organization", ORG)
    form = org_form(settings, SENDER)
    with i18n.using("fr"):
        rows, saved = form.save({SENDER: "new@shop.example", f"{SENDER}.use_default": "1"})
    assert not saved
    row = rows[0]
    assert (row.value, row.use_default) == ("new@shop.example", False)
    assert row.error.startswith("« Utiliser la valeur par défaut » était coché, cette modification "
                                "n’a donc pas été enregistrée.")
    assert settings.store.load(SENDER, "organization", ORG) == "billing@shop.example"

    rows, saved = form.save({SENDER: "billing@shop.example", f"{SENDER}.use_default": "1"})
    assert saved and rows[0].use_default
    assert settings.store.load(SENDER, "organization", ORG) is None


def test_a_secret_is_never_shown_back_and_an_empty_field_keeps_it(settings: Settings) -> None:
    settings.set(SECRET, "sk_test_stored_value", "organization", ORG)
    form = org_form(settings, SECRET)
    row = form.rows()[0]
    assert (row.type, row.value, row.secret_set) == ("secret", "", True)
    assert "sk_test_stored_value" not in repr(row)
    rows, saved = form.save({SECRET: "  "})
    assert saved and "sk_test_stored_value" not in repr(rows)
    assert settings.store.load(SECRET, "organization", ORG) == "sk_test_stored_value"
    _, saved = form.save({SECRET: "", f"{SECRET}.use_default": "1"})
    assert saved and settings.store.load(SECRET, "organization", ORG) is None


def test_a_stored_value_that_is_no_longer_valid_is_flagged(settings: Settings) -> None:
    settings.store.save(SENDER, "no longer an address", "organization", ORG)
    with i18n.using("en"):
        row = org_form(settings, SENDER).rows()[0]
    assert row.error.startswith("The stored value is not valid")
    assert "the inherited value applies" in row.error


@dataclass
class Access:
    """An admin of organization ``ORG`` who may configure its organization and two websites."""

    may_configure: bool = True
    may_configure_global: bool = False
    objects: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: {
        "organization": [(ORG, "Northwind")], "website": [(1, "North shop"), (2, "South shop")]})

    def choices(self, scope: str) -> list[tuple[int, str]]:
        return self.objects.get(scope, []) if self.may_configure else []

    def owns(self, scope: str, scope_id: int | None) -> bool:
        return scope_id in dict(self.choices(scope))


def test_the_first_offered_scope_and_object_are_chosen_when_none_is_asked() -> None:
    access = Access()
    assert offered_scopes(access, SCOPES) == ["organization", "website"]
    assert choose_scope(access, {}, SCOPES) == ("organization", ORG, [(ORG, "Northwind")])
    assert choose_scope(access, {"scope": "website", "scope_id": "2"}, SCOPES)[:2] == ("website", 2)


@pytest.mark.parametrize("language, expected", [
    ("en", "There is no such website among those of your organization."),
    ("de", "Unter den Websites Ihrer Organisation gibt es diese Website nicht."),
    ("fr", "Ce site web ne fait pas partie de ceux de votre organisation."),
    ("ja", "あなたの組織のウェブサイトの中に、このウェブサイトはありません。"),
])
def test_another_organizations_scope_object_is_not_found_in_the_admins_language(
        language: str, expected: str) -> None:
    with pytest.raises(Denied) as refused:
        choose_scope(Access(), {"scope": "website", "scope_id": "99"}, SCOPES)
    assert refused.value.status == 404
    assert i18n.translate(language, refused.value.message) == expected


@pytest.mark.parametrize("scope", ["organization", "website", "customer_group", "customer"])
def test_every_scopes_refusal_names_the_scope_in_each_language(scope: str) -> None:
    with pytest.raises(Denied) as refused:
        choose_scope(Access(objects={}), {"scope": scope, "scope_id": "99"}, SCOPES)
    english = i18n.translate("en", refused.value.message)
    assert scope.replace("_", " ") in english
    for language in ("de", "fr", "ja"):
        assert i18n.translate(language, refused.value.message) != english


def test_the_global_scope_and_the_page_need_their_permissions() -> None:
    with pytest.raises(Denied) as refused:
        choose_scope(Access(), {"scope": "global"}, SCOPES)
    assert refused.value.status == 403 and "oro_invoices.configure_global" in refused.value.message
    assert choose_scope(Access(may_configure_global=True), {"scope": "global"}, SCOPES) == \
        ("global", None, [])
    with pytest.raises(Denied) as refused:
        choose_scope(Access(may_configure=False), {}, SCOPES)
    assert refused.value.status == 403
    with pytest.raises(Denied) as refused:
        choose_scope(Access(), {"scope": "everywhere"}, SCOPES)
    assert refused.value.status == 404


class MethodAccess:
    """Permissions written as methods rather than the properties ``ScopeAccess`` declares."""

    def may_configure(self) -> bool:
        return False

    def may_configure_global(self) -> bool:
        return False

    def choices(self, scope: str) -> list[tuple[int, str]]:
        return []

    def owns(self, scope: str, scope_id: int | None) -> bool:
        return scope == "global"


@pytest.mark.parametrize("args", [{}, {"scope": "global"}])
def test_permissions_written_as_methods_are_refused_rather_than_read_as_granted(args: dict[str, str]) -> None:
    with pytest.raises(TypeError) as refused:
        choose_scope(MethodAccess(), args, SCOPES)  # type: ignore[arg-type]
    assert "MethodAccess.may_configure" in str(refused.value)
    assert "Write @property above it." in str(refused.value)
    with pytest.raises(TypeError):
        offered_scopes(MethodAccess(), ("global",))  # type: ignore[arg-type]


def test_every_help_names_the_choices_by_the_labels_the_admin_sees(settings: Settings) -> None:
    quoting_codes = {}
    for spec in settings.schema:
        if spec.type != "choice" or not spec.help:
            continue
        labels = dict(settings.choice_options(spec.key))
        codes = [c for c in settings.choices(spec.key) if c and labels.get(c) and labels[c] != c]
        quoted = [c for c in codes if f'"{c}"' in spec.help]
        if quoted:
            quoting_codes[spec.key] = quoted
    assert quoting_codes == {}


def many_customers(count: int) -> Access:
    return Access(objects={"organization": [(ORG, "Northwind")],
                           "customer": [(1000 + n, f"Customer {n:04d}") for n in range(count)]})


@dataclass
class SearchingAccess(Access):
    """A host that finds scope objects itself: the page never asks it for all of them."""

    asked: list[tuple[str, str, int]] = field(default_factory=list)

    def choices(self, scope: str) -> list[tuple[int, str]]:
        raise AssertionError("every object of a scope was read")

    def find(self, scope: str, search: str, limit: int) -> list[tuple[int, str]]:
        self.asked.append((scope, search, limit))
        needle = search.casefold()
        return [c for c in self.objects.get(scope, []) if needle in c[1].casefold()][:limit]

    def name(self, scope: str, scope_id: int) -> str | None:
        return dict(self.objects.get(scope, [])).get(scope_id)

    def owns(self, scope: str, scope_id: int | None) -> bool:
        return scope_id is not None and self.name(scope, scope_id) is not None


@pytest.mark.parametrize("access", [many_customers(120), SearchingAccess(objects=many_customers(120).objects)],
                         ids=["choices", "find"])
def test_a_scope_with_many_objects_lists_a_page_of_them_and_finds_the_rest(access: Access) -> None:
    scope, chosen, listed = choose_scope(access, {"scope": "customer"}, SCOPES)
    assert (scope, chosen) == ("customer", 1000) and len(listed) == CHOICES_SHOWN
    assert listed[:2] == [(1000, "Customer 0000"), (1001, "Customer 0001")]
    # one beyond the first page, asked for by id: listed first, then the first page
    _, chosen, listed = choose_scope(access, {"scope": "customer", "scope_id": "1110"}, SCOPES)
    assert chosen == 1110 and listed[0] == (1110, "Customer 0110") and len(listed) == CHOICES_SHOWN + 1
    # a search narrows the list and, without an id, chooses its first match
    _, chosen, listed = choose_scope(access, {"scope": "customer", "scope_search": " customer 011"}, SCOPES)
    assert chosen == 1110 and [name for _, name in listed] == [f"Customer 011{n}" for n in range(10)]
    # nothing found: the first object of the scope stays chosen and listed
    _, chosen, listed = choose_scope(access, {"scope": "customer", "scope_search": "Globex"}, SCOPES)
    assert (chosen, listed) == (1000, [(1000, "Customer 0000")])
    assert offered_scopes(access, SCOPES) == ["organization", "customer"]
    if isinstance(access, SearchingAccess):
        assert all(limit <= CHOICES_SHOWN for _, _, limit in access.asked)


def test_switching_the_scope_leaves_the_old_scopes_object_and_search_out() -> None:
    """The selector sends its scope's object along when the admin picks another scope: that id
    is another scope's (organization 7 is no website), so it must not be read as a website's."""
    access = Access(objects={"organization": [(ORG, "Northwind")], "website": [(1, "North shop"), (2, "South shop")]})
    assert choose_scope(access, {"scope": "website", "scope_id": str(ORG), "scope_search": "Northwind",
                                 "scope_of_id": "organization"}, SCOPES) \
        == ("website", 1, [(1, "North shop"), (2, "South shop")])
    with pytest.raises(Denied) as refused:  # the same id for the website scope itself is refused
        choose_scope(access, {"scope": "website", "scope_id": str(ORG), "scope_of_id": "website"}, SCOPES)
    assert refused.value.status == 404
