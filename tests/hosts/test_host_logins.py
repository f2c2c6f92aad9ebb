"""Logins and sessions of the reference host: throttling, timing, logout, headers, cookies."""
from __future__ import annotations

import time

import pytest

from oro_invoices.hosts.reference import records as records_module
from oro_invoices.hosts.reference.login_throttle import LoginThrottle
from oro_invoices.hosts.reference.testing import ShopClient, form_token, make_shop, text_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(shop) -> Clock:
    """The shop's login throttle on a clock the test moves."""
    clock = Clock()
    shop[0].extensions["oro_reference_host"].throttle.clock = clock
    return clock


def attempt(client: ShopClient, password: str, *, username: str = "admin", address: str = "10.0.0.1"):
    page = client.client.get("/admin/login", environ_base={"REMOTE_ADDR": address})
    return client.client.post("/admin/login", environ_base={"REMOTE_ADDR": address}, data={
        "username": username, "password": password,
        "csrf_token": form_token(page.get_data(as_text=True))})


def test_wrong_passwords_are_throttled_with_a_growing_wait(shop, clock):
    client = ShopClient(shop[0])
    for _ in range(4):
        wrong = attempt(client, "guess")
        assert wrong.status_code == 401
        assert "Invalid user name or password." in text_of(wrong.get_data(as_text=True))
    fifth = attempt(client, "guess")
    assert fifth.status_code == 429 and fifth.headers["Retry-After"] == "30"
    assert "Too many attempts; try again in 30 seconds." in text_of(fifth.get_data(as_text=True))

    right = attempt(client, "admin1234")  # even the right password waits
    assert right.status_code == 429
    assert client.get("/admin/").status_code == 302
    clock.now += 10
    assert "try again in 20 seconds" in text_of(attempt(client, "admin1234").get_data(as_text=True))

    clock.now += 20
    sixth = attempt(client, "guess")          # allowed again, and the wait doubles
    assert sixth.status_code == 429 and sixth.headers["Retry-After"] == "60"
    clock.now += 60
    assert attempt(client, "admin1234").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_successful_login_clears_the_accounts_failures(shop, clock):
    client = ShopClient(shop[0])
    for _ in range(4):
        attempt(client, "guess")
    assert attempt(client, "admin1234").status_code == 302
    other = ShopClient(shop[0])
    for _ in range(4):  # the account starts again from zero (from another address)
        assert attempt(other, "guess", address="10.0.0.2").status_code == 401


def test_guessing_across_accounts_from_one_address_is_throttled(shop, clock):
    client = ShopClient(shop[0])
    for name in ("alice", "bob", "carol", "dave"):
        assert attempt(client, "guess", username=name).status_code == 401
    assert attempt(client, "guess", username="erin").status_code == 429
    # another address may still log in to an account that was not guessed at
    assert attempt(ShopClient(shop[0]), "admin1234", address="10.0.0.9").status_code == 302


def test_one_account_is_throttled_whatever_the_address(shop, clock):
    client = ShopClient(shop[0])
    for n in range(5):
        attempt(client, "guess", address=f"10.0.1.{n}")
    resp = attempt(client, "admin1234", address="10.0.1.99")
    assert resp.status_code == 429 and "Too many attempts" in text_of(resp.get_data(as_text=True))


def test_storefront_logins_are_throttled_too(shop, clock):
    client = ShopClient(shop[0])
    for _ in range(5):
        resp = client.submit("/customer/login", "/customer/login",
                             {"email": "ben.ortiz@acme.example", "password": "guess"})
    assert resp.status_code == 429
    assert "Too many attempts; try again in 30 seconds." in text_of(resp.get_data(as_text=True))


@pytest.fixture
def host_engine(db):
    """The reference host's tables in a migrated database (SQLite and PostgreSQL)."""
    from oro_invoices.hosts.reference import models
    models.create_tables(db.engine)
    return db.engine


def test_throttle_forgets_old_failures_and_stays_bounded(host_engine):
    clock = Clock()
    throttle = LoginThrottle(host_engine, free_attempts=2, first_delay=1, max_delay=4,
                             forget_after=10, max_keys=3, clock=clock)
    throttle.failed(["a"])
    assert throttle.wait(["a"]) == 0          # one free attempt left
    throttle.failed(["a"])
    assert throttle.wait(["a"]) == 1
    for _ in range(5):
        throttle.failed(["a"])
    assert throttle.wait(["a"]) == 4          # capped
    clock.now += 10
    assert throttle.wait(["a"]) == 0          # forgotten
    throttle.failed(["a"])
    assert throttle.wait(["a"]) == 0          # counting starts again
    for key in "bcdef":
        throttle.failed([key])
    with host_engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM host_login_failure").scalar_one() <= 3


def test_throttle_is_shared_by_every_process_of_the_host(host_engine):
    """Two throttles over one database (two server processes) see one count, and failures
    counted at the same moment from several threads are all counted."""
    import threading
    clock = Clock()
    first, second = (LoginThrottle(host_engine, free_attempts=8, first_delay=30, clock=clock)
                     for _ in range(2))
    keys = ["account:admin:admin", "address:10.0.0.9"]
    threads = [threading.Thread(target=(first if i % 2 else second).failed, args=(keys,))
               for i in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert first.wait(keys) == second.wait(keys) == 0   # 7 of 8 free attempts used
    second.failed(["address:10.0.0.9"])
    assert first.wait(keys) == 30
    first.succeeded("account:admin:admin")
    assert second.wait(["account:admin:admin"]) == 0
    assert second.wait(["address:10.0.0.9"]) == 30      # the address keeps its failures


def test_a_login_of_any_length_is_throttled_without_error(host_engine):
    throttle = LoginThrottle(host_engine, free_attempts=1, clock=Clock())
    key = "account:admin:" + "x" * 20_000
    throttle.failed([key])
    assert throttle.wait([key]) == 30


def test_unknown_users_cost_a_password_hash_like_known_ones(shop, monkeypatch):
    records = shop[0].extensions["oro_reference_host"].records
    checked = []
    real = records_module.check_password_hash
    monkeypatch.setattr(records_module, "check_password_hash",
                        lambda stored, password: checked.append(stored) or real(stored, password))
    assert records.check_admin("nobody", "guess") is None
    assert records.check_customer_user("nobody@nowhere.example", "guess") is None
    assert records.check_admin("admin", "guess") is None
    assert records.check_admin("admin", "admin1234") is not None
    assert len(checked) == 4  # one hash check each, known user or not


def test_unknown_and_known_users_take_about_as_long(shop):
    records = shop[0].extensions["oro_reference_host"].records

    def fastest(login: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            records.check_admin(login, "guess")
            times.append(time.perf_counter() - start)
        return min(times)
    known, unknown = fastest("admin"), fastest("nobody")
    assert unknown > known / 3, (known, unknown)  # was 4 ms against 112 ms


@pytest.mark.parametrize("area,login,page,logout", [
    ("admin", "login_admin", "/admin/", "/admin/logout"),
    ("store", "login_customer", "/customer/account", "/customer/logout"),
])
def test_a_cookie_copied_before_logout_no_longer_works(shop, area, login, page, logout):
    client = ShopClient(shop[0])
    if area == "admin":
        client.login_admin()
    else:
        client.login_customer("ben.ortiz@acme.example")
    copied = client.client.get_cookie("session").value
    thief = shop[0].test_client()
    thief.set_cookie("session", copied)
    assert thief.get(page).status_code == 200  # a stolen live session works…
    html = client.get(page).get_data(as_text=True)
    assert client.client.post(logout, data={"csrf_token": form_token(html)}).status_code == 302
    assert client.get(page).status_code == 302
    assert thief.get(page).status_code == 302  # …but not after the user logged out


def test_logging_out_of_one_area_keeps_the_other(shop):
    client = ShopClient(shop[0])
    client.login_admin()
    client.login_customer("ben.ortiz@acme.example")
    html = client.get("/customer/account").get_data(as_text=True)
    client.client.post("/customer/logout", data={"csrf_token": form_token(html)})
    assert client.get("/customer/account").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_logging_in_again_ends_the_earlier_session_of_that_browser(shop):
    client = ShopClient(shop[0])
    client.login_admin()
    before = client.client.get_cookie("session").value
    client.login_admin()
    stale = shop[0].test_client()
    stale.set_cookie("session", before)
    assert stale.get("/admin/").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_two_browsers_of_one_user_stay_logged_in_side_by_side(shop):
    first, second = ShopClient(shop[0]), ShopClient(shop[0])
    first.login_admin()
    second.login_admin()
    assert first.get("/admin/").status_code == 200 and second.get("/admin/").status_code == 200


def test_sessions_expire_on_the_server(shop):
    host = shop[0].extensions["oro_reference_host"]
    client = ShopClient(shop[0])
    client.login_admin()
    host.logins.clock = lambda: time.time() + host.logins.lifetime + 1
    assert client.get("/admin/").status_code == 302


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def test_every_response_carries_the_security_headers(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1001-1")
    doc = admin.service.get(inv)
    anonymous = ShopClient(shop[0])
    responses = {
        "login": anonymous.get("/admin/login"), "home": anonymous.get("/"),
        "grid": admin.get("/admin/invoices"), "view": admin.get(f"/admin/invoices/{inv}"),
        "pdf": admin.get(f"/admin/invoices/{inv}/download"),
        "pay": anonymous.get(f"/invoices/pay/{doc.payment_token}"),
        "static": anonymous.get("/oro-invoices/static/oro_invoices.js"),
        "missing": anonymous.get("/no-such-page"), "api": anonymous.get("/api/invoices"),
        "redirect": anonymous.get("/admin/invoices"),
    }
    for name, resp in responses.items():
        for header, value in SECURITY_HEADERS.items():
            assert resp.headers.get(header) == value, (name, header)
        policy = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, name
    assert responses["static"].mimetype in ("text/javascript", "application/javascript")


def test_pages_have_no_inline_scripts(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    pages = [admin.get(url).get_data(as_text=True) for url in (
        "/admin/", "/admin/invoices", f"/admin/invoices/{inv}", f"/admin/invoices/{inv}?dialog=email",
        "/admin/config/oro_invoices", "/admin/invoices/999999")]
    for html in pages:
        assert "javascript:" not in html and "onchange=" not in html and "onclick=" not in html
        for script in html.split("<script")[1:]:
            assert script.lstrip().startswith("src="), script[:80]


def test_session_cookie_is_http_only_same_site_and_secure_when_asked(tmp_path):
    for secure in (False, True):
        app, _ = make_shop(tmp_path / f"shop-{secure}", seeded=False, secure_cookies=secure)
        try:
            cookie = app.test_client().get("/admin/login").headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
            assert ("Secure" in cookie) is secure
        finally:
            app.extensions["oro_reference_host"].engine.dispose()
            app.extensions["oro_invoices"].addon.close()


def test_demo_offers_secure_cookies():
    from oro_invoices.cli import build_parser
    assert build_parser().parse_args(["demo", "--secure-cookies"]).secure_cookies is True
    assert build_parser().parse_args(["demo"]).secure_cookies is False
