"""``oro-invoices demo`` in a subprocess: it serves, writes demo.json, logins work, data is kept."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from support.demo_run import DEMO
from support.lifetime import tied
from support.ports import free_port

STARTUP_TIMEOUT = 120


class Demo:
    """One run of the demo command (stopped with Ctrl-C, as a user stops it)."""

    def __init__(self, data_dir: Path, port: int, *extra: str):
        self.data_dir, self.port = data_dir, port
        (data_dir / "demo.json").unlink(missing_ok=True)
        self.log = open(  # noqa: SIM115  (closed when the run stops)
            data_dir.parent / f"demo-{port}-{time.time_ns()}.log", "w")
        self.proc = subprocess.Popen(
            tied([*DEMO, "--data-dir", str(data_dir), "--port", str(port), *extra]),
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def wait(self) -> dict:
        """demo.json, once the run says it is ready: it writes the file, then prints its banner
        (which ends "Press Ctrl-C to stop.")."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        path = self.data_dir / "demo.json"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"demo exited with {self.proc.returncode}: {self.output()}")
            if path.exists() and "Press Ctrl-C to stop." in self.output():
                try:
                    return json.loads(path.read_text())
                except json.JSONDecodeError:
                    pass  # being written
            time.sleep(0.2)
        raise AssertionError(f"no demo.json after {STARTUP_TIMEOUT}s: {self.output()}")

    def output(self) -> str:
        if not self.log.closed:  # stop() closes it; what the run wrote is still read
            self.log.flush()
        return Path(self.log.name).read_text()[-3000:]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class Browser:
    """Cookies plus form submission with the page's CSRF token, over real HTTP."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(url, timeout=30) as resp:
                return resp.status, resp.geturl(), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode()

    def submit(self, url: str, data: dict, action: str | None = None) -> tuple[int, str, str]:
        """Open ``url``, then post ``data`` with the page's token to ``action`` (default: ``url``)."""
        _, _, html = self.get(url)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        try:
            with self.opener.open(action or url, data=body, timeout=30) as resp:
                return resp.status, resp.geturl(), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode()


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "demo-data"


def test_demo_serves_seeded_shop_and_keeps_data_across_restarts(data_dir):
    demo = Demo(data_dir, free_port())
    try:
        info = demo.wait()
        for key in ("base_url", "backoffice_url", "storefront_url", "api_url", "api_token", "admin",
                    "customer_users", "customers", "orders", "database_url", "storage_url"):
            assert info.get(key), key
        roles = {u["role"] for u in info["customer_users"]}
        assert roles == {"none", "own", "department", "corporate"}
        assert any(c["parent_id"] for c in info["customers"])
        assert f"Customer:     {info['customer_users'][0]['email']}" in demo.output()
        assert f"All of the above, and the secrets: {(data_dir / 'demo.json').resolve()}" in demo.output()

        for url in (info["storefront_url"], info["backoffice_url"]):
            assert Browser().get(url)[0] == 200
        admin = Browser()
        status, landed, _ = admin.submit(info["base_url"] + "/admin/login", {
            "username": info["admin"]["username"], "password": info["admin"]["password"]})
        assert status == 200 and landed.endswith("/admin/")
        status, _, grid = admin.get(info["base_url"] + "/admin/invoices")
        assert status == 200
        numbers = set(re.findall(r">(INV-\d{4}-\d{2}-\d{5})<", grid))
        assert len(numbers) >= 6 and "Draft #" in grid
        assert {"EUR", "USD"} <= set(re.findall(r"<td>(EUR|USD|JPY)</td>", grid))

        corporate = next(u for u in info["customer_users"] if u["role"] == "corporate")
        buyer = Browser()
        status, _, _ = buyer.submit(info["base_url"] + "/customer/login",
                                    {"email": corporate["email"], "password": corporate["password"]})
        assert status == 200
        status, _, mine = buyer.get(info["base_url"] + "/customer/invoices")
        assert status == 200 and re.search(r">INV-\d{4}-\d{2}-\d{5}<", mine)

        req = urllib.request.Request(info["api_url"] + "/invoices?limit=100",
                                     headers={"Authorization": f"Bearer {info['api_token']}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            api_before = json.loads(resp.read())
        # one entry per organization: its admin, API token, customers, websites and orders
        orgs = info["organizations"]
        assert [o["admin"]["username"] for o in orgs] == ["admin", "admin.jp"]
        for org in orgs:
            assert org["customers"] and org["websites"] and org["orders"]
            req = urllib.request.Request(info["api_url"] + "/invoices?limit=100",
                                         headers={"Authorization": f"Bearer {org['api_token']}"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                rows = json.loads(resp.read())["data"]
            assert rows and {r["organization_id"] for r in rows} == {org["id"]}
            status, landed, _ = Browser().submit(info["base_url"] + "/admin/login", {
                "username": org["admin"]["username"], "password": org["admin"]["password"]})
            assert status == 200 and landed.endswith("/admin/")
        # a change made while running must survive the restart
        status, _, page = admin.submit(info["base_url"] + "/admin/invoices/1",
                                       {"body": "kept across restarts"},
                                       info["base_url"] + "/admin/invoices/1/notes")
        assert status == 200 and "Note added." in page
    finally:
        assert demo.stop() == 0, demo.output()

    again = Demo(data_dir, free_port())
    try:
        info2 = again.wait()
        assert "Seeding demo data" not in again.output()
        assert info2["api_token"] == info["api_token"] and info2["admin"] == info["admin"]
        admin = Browser()
        admin.submit(info2["base_url"] + "/admin/login", {
            "username": info["admin"]["username"], "password": info["admin"]["password"]})
        status, _, grid = admin.get(info2["base_url"] + "/admin/invoices")
        assert set(re.findall(r">(INV-\d{4}-\d{2}-\d{5})<", grid)) == numbers
        assert "kept across restarts" in admin.get(info2["base_url"] + "/admin/invoices/1")[2]
        req = urllib.request.Request(info2["api_url"] + "/invoices?limit=100",
                                     headers={"Authorization": f"Bearer {info2['api_token']}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            api_after = json.loads(resp.read())
        assert len(api_after["items"] if "items" in api_after else api_after["data"]) == \
            len(api_before["items"] if "items" in api_before else api_before["data"])
    finally:
        assert again.stop() == 0, again.output()


class Inbox:
    """An SMTP server (aiosmtpd) keeping what it receives."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def test_demo_delivers_mail_with_smtp_url(data_dir):
    from aiosmtpd.controller import Controller
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    demo = Demo(data_dir, free_port(), "--smtp-url", f"smtp://127.0.0.1:{smtp_port}")
    try:
        info = demo.wait()
        admin = Browser()
        admin.submit(info["base_url"] + "/admin/login", {
            "username": info["admin"]["username"], "password": info["admin"]["password"]})
        view = info["base_url"] + "/admin/invoices/1"
        status, _, page = admin.submit(view + "?dialog=email", {
            "to": "ap@acme.example", "subject": "Your invoice", "body": "Please find it attached.",
            "template": "", "attach_pdf": "1"}, view + "/email")
        assert status == 200 and "queued for delivery" in page
        deadline = time.monotonic() + 30
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.3)
        assert [m.rcpt_tos for m in inbox.messages] == [["ap@acme.example"]]
        raw = inbox.messages[0].content.decode(errors="replace")
        assert "Subject: Your invoice" in raw and "application/pdf" in raw
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            emails = admin.get(view)[2].split('id="emails"')[1].split('id="activity"')[0]
            if ">Sent<" in emails:
                break
            time.sleep(0.5)
        assert ">Sent<" in emails
    finally:
        assert demo.stop() == 0, demo.output()
        controller.stop()
