"""System > Configuration: who may configure which scope (permissions and organization ownership)."""
from __future__ import annotations

import re

import pytest

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.identity import PERMISSIONS
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.integration.config import Settings

CONFIG = "/admin/config/oro_invoices"
WITHOUT_GLOBAL = set(PERMISSIONS) - {"oro_invoices.configure_global"}
WITHOUT_CONFIGURE = set(PERMISSIONS) - {"oro_invoices.configure", "oro_invoices.configure_global"}


def host(shop):
    return shop[0].extensions["oro_reference_host"]


def settings(shop) -> Settings:
    return Settings(host(shop).config)


def admin_client(shop, username: str, *, organization_id: int = 1, permissions=PERMISSIONS):
    host(shop).records.add_admin(username, "secret123", organization_id=organization_id,
                                 permissions=permissions)
    client = ShopClient(shop[0])
    client.login_admin(username, "secret123")
    return client


def post(client: ShopClient, url: str, data: dict[str, str]):
    """POST to the config page with a valid CSRF token taken from another page of the session."""
    token = form_token(client.get("/admin/").get_data(as_text=True))
    return client.client.post(url, data={**data, "csrf_token": token})


def stored_everywhere(shop) -> dict:
    return {(s.key, s.scope, s.scope_id): s.value for s in host(shop).config.stored("oro_invoices.")}


def org2_scopes(shop) -> dict[str, int]:
    """One scope object of each kind belonging to Sakura (organization 2)."""
    rec = host(shop).records
    return {"organization": 2,
            "website": rec.rows(m.websites, m.websites.c.organization_id == 2)[0].id,
            "customer": rec.rows(m.customers, m.customers.c.organization_id == 2)[0].id,
            "customer_group": rec.rows(m.customer_groups,
                                       m.customer_groups.c.organization_id == 2)[0].id}


def scope_options(html: str, select_id: str) -> list[str]:
    body = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", body.group(1)) if body else []


# -- the oro_invoices.configure permission -------------------------------------------------

def test_an_admin_without_the_configure_permission_gets_403_and_changes_nothing(shop):
    client = admin_client(shop, "viewer", permissions=WITHOUT_CONFIGURE)
    before = stored_everywhere(shop)
    for url in (CONFIG, CONFIG + "?scope=global", CONFIG + "?scope=organization&scope_id=1", "/admin/config/"):
        resp = client.get(url)
        assert resp.status_code == 403, url
        text = text_of(resp.get_data(as_text=True))
        assert "Access denied" in text and "oro_invoices.configure" in text
        assert 'id="h-config-form"' not in resp.get_data(as_text=True)
    resp = post(client, CONFIG + "?scope=global", {"scope": "global", "oro_invoices.enabled": "0"})
    assert resp.status_code == 403
    assert stored_everywhere(shop) == before
    assert 'data-menu-key="host.configuration"' not in client.get("/admin/").get_data(as_text=True)


def test_an_admin_with_no_permissions_at_all_cannot_switch_invoices_off_globally(shop):
    client = admin_client(shop, "nobody", organization_id=2, permissions=())
    resp = post(client, CONFIG, {"scope": "global", "oro_invoices.enabled": "0"})
    assert resp.status_code == 403
    assert settings(shop).value("oro_invoices.enabled") is True
    northwind = ShopClient(shop[0])
    northwind.login_admin()
    assert northwind.get("/admin/invoices").status_code == 200


# -- the global scope needs oro_invoices.configure_global -------------------------------------

def test_the_global_scope_needs_its_own_permission(shop):
    client = admin_client(shop, "orgadmin", permissions=WITHOUT_GLOBAL)
    page = client.get(CONFIG)
    assert page.status_code == 200  # lands on its own organization
    html = page.get_data(as_text=True)
    assert scope_options(html, "scope")[0] == "Organization"
    assert "Global" not in scope_options(html, "scope")
    assert scope_options(html, "scope_id") == ["Northwind Supply GmbH"]
    resp = client.get(CONFIG + "?scope=global")
    assert resp.status_code == 403
    assert "oro_invoices.configure_global" in text_of(resp.get_data(as_text=True))
    resp = post(client, CONFIG, {"scope": "global", "oro_invoices.enabled": "0",
                                 "oro_invoices.number_prefix": "HACK-"})
    assert resp.status_code == 403
    assert settings(shop).value("oro_invoices.enabled") is True
    assert settings(shop).stored("oro_invoices.number_prefix") is None


def test_the_seeded_sakura_admin_cannot_change_the_global_scope(shop):
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    assert sakura.get(CONFIG + "?scope=global").status_code == 403
    resp = post(sakura, CONFIG, {"scope": "global", "oro_invoices.enabled": "0"})
    assert resp.status_code == 403
    assert settings(shop).value("oro_invoices.enabled", ScopeContext(organization_id=1)) is True
    own = sakura.get(CONFIG)          # its own organization's scope is there
    assert own.status_code == 200
    assert scope_options(own.get_data(as_text=True), "scope_id") == ["Sakura Trading K.K."]


def test_an_admin_with_the_global_permission_sees_the_global_scope(shop, admin):
    html = admin.get(CONFIG).get_data(as_text=True)
    assert scope_options(html, "scope")[0] == "Global"


# -- another organization's scopes -------------------------------------------------------------

@pytest.mark.parametrize("scope", ["organization", "website", "customer", "customer_group"])
def test_another_organizations_scope_is_not_found_and_not_changed(shop, admin, scope):
    target = org2_scopes(shop)[scope]
    url = CONFIG + f"?scope={scope}&scope_id={target}"
    resp = admin.get(url)
    assert resp.status_code == 404
    assert "Sakura" not in text_of(resp.get_data(as_text=True))
    before = stored_everywhere(shop)
    resp = post(admin, url, {"scope": scope, "scope_id": str(target),
                             "oro_invoices.storefront_enabled": "0",
                             "oro_invoices.seller.company_name": "Hijacked Ltd"})
    assert resp.status_code == 404
    assert stored_everywhere(shop) == before


@pytest.mark.parametrize("language,scope,expected", [
    ("en", "customer_group", "There is no such customer group among those of your organization."),
    ("de", "website", "Unter den Websites Ihrer Organisation gibt es diese Website nicht."),
    ("fr", "customer", "Ce client ne fait pas partie de ceux de votre organisation."),
    ("ja", "organization", "この組織は、あなたが設定できる組織ではありません。"),
])
def test_another_organizations_scope_is_refused_in_the_admins_language(shop, admin, language, scope,
                                                                       expected):
    url = CONFIG + f"?scope={scope}&scope_id={org2_scopes(shop)[scope]}"
    resp = admin.client.get(url, headers={"Accept-Language": language})
    assert resp.status_code == 404
    assert expected in text_of(resp.get_data(as_text=True))


def test_the_sellers_details_of_another_organization_stay_untouched(shop, admin):
    resp = post(admin, CONFIG + "?scope=organization&scope_id=2",
                {"scope": "organization", "scope_id": "2",
                 "oro_invoices.seller.company_name": "Hijacked Ltd"})
    assert resp.status_code == 404
    seller = settings(shop).seller_info(ScopeContext(organization_id=2))
    assert seller.company_name == "Sakura Trading K.K."


@pytest.mark.parametrize("scope,own,other", [
    ("organization", ["Northwind Supply GmbH"], "Sakura"),
    ("website", ["Northwind EU Store", "Northwind US Store"], "Sakura Online"),
    ("customer_group", ["Retail", "Wholesale"], None),
])
def test_the_scope_selectors_list_only_the_admins_organization(admin, scope, own, other):
    html = admin.get(CONFIG + f"?scope={scope}").get_data(as_text=True)
    assert scope_options(html, "scope_id") == own
    if other:
        assert other not in html


def test_a_customer_group_of_another_organization_is_not_offered(shop, admin):
    sakura_group = org2_scopes(shop)["customer_group"]
    html = admin.get(CONFIG + "?scope=customer_group").get_data(as_text=True)
    assert f'<option value="{sakura_group}"' not in html


def test_shared_customer_groups_need_the_global_permission(shop, admin):
    shared = host(shop).records.add_customer_group("Shared Partners")
    assert admin.get(CONFIG + f"?scope=customer_group&scope_id={shared}").status_code == 200
    org_admin = admin_client(shop, "orgadmin2", permissions=WITHOUT_GLOBAL)
    url = CONFIG + f"?scope=customer_group&scope_id={shared}"
    assert org_admin.get(url).status_code == 404
    assert "Shared Partners" not in org_admin.get(CONFIG + "?scope=customer_group").get_data(as_text=True)
    resp = post(org_admin, url, {"scope": "customer_group", "scope_id": str(shared),
                                 "oro_invoices.storefront_enabled": "0"})
    assert resp.status_code == 404
    assert settings(shop).stored("oro_invoices.storefront_enabled", "customer_group", shared) is None


def test_the_scope_in_the_form_decides_not_the_query_string(shop, admin):
    """A POST names its scope in the form; another organization's id there is refused too."""
    resp = post(admin, CONFIG + "?scope=organization&scope_id=1",
                {"oro_invoices.seller.company_name": "x"} | {"scope": "organization", "scope_id": "2"})
    assert resp.status_code == 404
    assert settings(shop).seller_info(ScopeContext(organization_id=1)).company_name \
        == "Northwind Supply GmbH"


@pytest.mark.parametrize("form", [
    {"scope": "website", "scope_id": "2", "scope_of_id": "organization"},   # as if switching scope
    {"scope": "website"},                                                     # no object named
    {"scope": "website", "scope_id": "abc", "scope_of_id": "customer"},
])
def test_a_save_is_stored_only_into_the_scope_object_it_names(shop, form):
    """A save never falls back to the selector's first object: a form that does not name its
    own object exactly is refused and changes nothing anywhere."""
    client = admin_client(shop, "sakura.saver", organization_id=2, permissions=WITHOUT_GLOBAL)
    before = stored_everywhere(shop)
    resp = post(client, CONFIG, {**form, "oro_invoices.storefront_enabled": "0"})
    assert resp.status_code == 404
    assert "Configuration saved" not in text_of(resp.get_data(as_text=True))
    assert stored_everywhere(shop) == before


@pytest.mark.parametrize("query", ["?scope=planet", "?scope=website&scope_id=abc",
                                   "?scope=website&scope_id=99999999999999999999999"])
def test_nonsense_scopes_are_not_found(admin, query):
    assert admin.get(CONFIG + query).status_code == 404


def test_an_earlier_data_directory_gets_the_customer_group_organization_column(tmp_path):
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE host_customer_group (id INTEGER PRIMARY KEY, "
                          "name VARCHAR(255) NOT NULL)"))
        conn.execute(text("INSERT INTO host_customer_group (id, name) VALUES (1, 'Old')"))
    m.create_tables(engine)
    assert "organization_id" in {c["name"] for c in inspect(engine).get_columns("host_customer_group")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, organization_id FROM host_customer_group")).all() \
            == [("Old", None)]
    m.create_tables(engine)  # again: nothing to add
    engine.dispose()


def test_an_earlier_data_directory_gets_the_index_of_settings_by_place(tmp_path):
    """A request reads its customer's values by (scope, id); a data directory made before the
    index existed gets it, its values kept, and a customer's value is read through it."""
    from sqlalchemy import create_engine, inspect, text

    from oro_invoices.hosts.reference.adapter import ReferenceConfigStore

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(text('CREATE TABLE host_config ("key" VARCHAR(255) NOT NULL, scope VARCHAR(32) NOT NULL, '
                          'scope_id INTEGER NOT NULL, value JSON NOT NULL, PRIMARY KEY ("key", scope, scope_id))'))
        conn.execute(text("""INSERT INTO host_config VALUES ('oro_invoices.locale', 'customer', 7, '"de_DE"')"""))
    m.create_tables(engine)
    assert "ix_host_config_place" in {i["name"] for i in inspect(engine).get_indexes("host_config")}
    m.create_tables(engine)  # again: nothing to add
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT value FROM host_config WHERE scope = 'customer' AND scope_id = 7")))
    assert "ix_host_config_place" in plan
    found = ReferenceConfigStore(engine).stored_at("oro_invoices.", (), [("customer", 7)])
    assert [(s.key, s.scope, s.scope_id, s.value) for s in found] == [("oro_invoices.locale", "customer", 7, "de_DE")]
    engine.dispose()


def test_the_customer_scope_lists_a_page_of_customers_and_finds_the_others_by_name(shop):
    """A shop with more customers than a selector can show: at most CHOICES_SHOWN by name, a
    search by part of the name for the others, and the chosen one always listed."""
    from oro_invoices.adapters.settings_form import CHOICES_SHOWN

    rec = host(shop).records
    added = {n: rec.add_customer(f"Zeta Trading {n:03d}", organization_id=1) for n in range(70)}
    rec.add_customer("Zeta Trading 999 of Sakura", organization_id=2)
    client = admin_client(shop, "configurer")
    html = client.get(CONFIG + "?scope=customer").get_data(as_text=True)
    listed = scope_options(html, "scope_id")
    assert len(listed) == CHOICES_SHOWN and listed == sorted(listed)
    assert "Zeta Trading 069" not in listed
    assert 'id="scope_search"' in html and f"At most {CHOICES_SHOWN} are listed" in text_of(html)

    found = client.get(CONFIG + "?scope=customer&scope_of_id=customer&scope_search=trading 06")
    html = found.get_data(as_text=True)
    assert scope_options(html, "scope_id") == [f"Zeta Trading 06{n}" for n in range(10)]
    assert 'value="trading 06"' in html  # the search stays in its field
    assert f'<option value="{added[60]}" selected>' in html  # its first match is chosen

    chosen = client.get(CONFIG + f"?scope=customer&scope_id={added[69]}")
    assert scope_options(chosen.get_data(as_text=True), "scope_id")[0] == "Zeta Trading 069"
    sakura = client.get(CONFIG + "?scope=customer&scope_of_id=customer&scope_search=Sakura")
    assert "Zeta Trading 999 of Sakura" not in sakura.get_data(as_text=True)  # another organization's


def test_switching_scope_does_not_carry_the_old_scopes_object_over(shop):
    """The scope selector sends the object of the scope it showed: an admin of organization 2
    switching from Organization (2) to Website gets their first website, not website 2."""
    client = admin_client(shop, "sakura.configurer", organization_id=2)
    resp = client.get(CONFIG + "?scope=website&scope_id=2&scope_of_id=organization&scope_search=x")
    assert resp.status_code == 200
    first = org2_scopes(shop)["website"]
    assert f'<option value="{first}" selected>' in resp.get_data(as_text=True)
    assert client.get(CONFIG + "?scope=website&scope_id=2&scope_of_id=website").status_code == 404
