"""The kit's page part fails hosts that get the pages wrong, run as an adapter author runs it."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "starlette_host.py"

BROKEN_HOSTS = '''
    import pytest
    from oro_invoices.adapters.identity import STOREFRONT_PERMISSIONS
    from oro_invoices.hosts.memory import MemoryHost


    class GenerousHost(MemoryHost):
        """Grants the storefront permissions to every customer user, role none included."""

        def login_customer_user(self, customer_user_id):
            user = super().login_customer_user(customer_user_id)
            self.users.granted = STOREFRONT_PERMISSIONS
            return user


    class NoLoginRedirectHost(MemoryHost):
        """Leaves a 401 page where every host must redirect to its login page."""

        def page_client(self):
            client = super().page_client()
            client.pages.mount.login_url = lambda area, request: None
            return client


    class NoPagesHost(MemoryHost):
        page_client = None


    import datetime as dt


    class ZonedHost(MemoryHost):
        """Its shop in ``zone``, its add-on's clock running from ``hour``:30 UTC today."""

        zone, hour = "UTC", 0

        def page_client(self):
            real = dt.datetime.now(dt.UTC)
            shift = real.replace(hour=self.hour, minute=30) - real
            self.addon_options["clock"] = lambda: dt.datetime.now(dt.UTC) + shift
            client = super().page_client()
            client.addon.settings.set("oro_invoices.timezone", self.zone)
            return client


    class PagoPagoHost(ZonedHost):
        """00:30 UTC: 13:30 the day before in Pago Pago (UTC-11)."""

        zone, hour = "Pacific/Pago_Pago", 0


    class KiritimatiHost(ZonedHost):
        """23:30 UTC: 13:30 the day after on Kiritimati (UTC+14)."""

        zone, hour = "Pacific/Kiritimati", 23
'''


def run_kit(cwd: Path, host: str, *args: str) -> tuple[int, str]:
    (cwd / "kit_hosts.py").write_text(textwrap.dedent(BROKEN_HOSTS))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfs",
         "--pyargs", "oro_invoices.testing.suite", "--oro-host", host, *args],
        cwd=cwd, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


def failed(output: str) -> set[str]:
    return set(re.findall(r"FAILED \S+::(\w+::\w+)", output))


def test_granting_role_none_the_storefront_fails_the_kit(tmp_path):
    code, output = run_kit(tmp_path, "kit_hosts.py:GenerousHost", "-k", "role_none")
    assert code != 0
    assert {"TestUsers::test_customer_user_of_role_none_may_do_nothing",
            "TestPageAccess::test_role_none_has_no_account_entry"} <= failed(output), output


def test_a_401_without_login_redirect_fails_the_kit(tmp_path):
    code, output = run_kit(tmp_path, "kit_hosts.py:NoLoginRedirectHost", "-k", "TestPageLogin")
    assert code != 0
    assert "TestPageLogin::test_anonymous_visitor_is_redirected_with_next" in failed(output), output
    assert "answered 401, not a login redirect" in output


def test_a_host_without_page_client_skips_the_page_part_and_says_why(tmp_path):
    code, output = run_kit(tmp_path, "kit_hosts.py:NoPagesHost", "-k", "TestPageHead")
    assert code == 0, output
    assert "offers no page client (host.page_client() or an oro_page_client fixture)" in output


def test_the_starlette_example_passes_the_page_part(tmp_path):
    code, output = run_kit(tmp_path, f"{EXAMPLE}:kit_host", "-k", "TestPageForms or TestPageHead")
    assert code == 0, output
    assert re.search(r"\b5 passed\b", output), output


@pytest.mark.parametrize("host", ["PagoPagoHost", "KiritimatiHost"])
def test_a_host_far_from_utc_passes_the_kit_when_the_utc_date_is_another_day(tmp_path, host):
    """The kit's days (invoice dates, a past day's aging, the activity's period, a payment's day
    received) are today in the shop's zone, as the add-on judges them, not the UTC date."""
    code, output = run_kit(tmp_path, f"kit_hosts.py:{host}", "-k",
                           "past_day or account_activity or offers_the_activity or payment_is_recorded "
                           "or bank_transfer_is_recorded")
    assert code == 0, output
    assert re.search(r"\b5 passed\b", output), output


def test_a_host_file_that_is_not_there_is_named(tmp_path):
    code, output = run_kit(tmp_path, "missing_host.py:make", "-k", "TestHostShape")
    assert code != 0 and "--oro-host missing_host.py:make: there is no file" in output
    code, output = run_kit(tmp_path, "kit_hosts.py:nothing", "-k", "TestHostShape")
    assert code != 0 and "kit_hosts.py has no callable 'nothing'" in output
