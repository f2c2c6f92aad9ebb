"""The official Global Payments SDKs as test oracles, kept out of the test environment.

- PyPI ``globalpayments-api`` 2.0.8 (GPLv2; it pins ``certifi<2025`` and pulls ``enum34``,
  which shadows the standard ``enum`` module on Python 3.11), so it lives in a throwaway
  virtualenv and is driven through a subprocess;
- npm ``globalpayments-api`` 3.10.10, run with ``node``.

Both are installed once into ``$ORO_INVOICES_TEST_TOOLS`` (default
``~/.cache/oro-invoices-test-tools``; ``.ci/run`` fills it) under a file lock, so parallel
test workers share one install. When an install is impossible (no network, no node) the
tests using it are skipped with the reason.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PY_SDK = "globalpayments-api==2.0.8"
NODE_SDK = "globalpayments-api@3.10.10"
TOOLS = Path(os.environ.get("ORO_INVOICES_TEST_TOOLS") or Path.home() / ".cache" / "oro-invoices-test-tools")


def _locked(name: str):
    TOOLS.mkdir(parents=True, exist_ok=True)
    handle = open(TOOLS / f"{name}.lock", "w")  # noqa: SIM115 - held until released below
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def python_sdk() -> Path:
    """The python of a virtualenv with the Python SDK (installing it the first time), or skip."""
    venv = TOOLS / "gp-python"
    python = venv / "bin" / "python"
    marker = venv / "installed.txt"
    lock = _locked("gp-python")
    try:
        if not marker.exists():
            shutil.rmtree(venv, ignore_errors=True)
            made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
            if made.returncode != 0:
                pytest.skip(f"cannot make a virtualenv for the Global Payments SDK: {made.stderr[-300:]}")
            pip = subprocess.run([str(python), "-m", "pip", "install", "-q", PY_SDK],
                                 capture_output=True, text=True, timeout=600)
            if pip.returncode != 0:
                pytest.skip(f"cannot install {PY_SDK} (no package index?): {pip.stderr[-300:]}")
            marker.write_text(PY_SDK)
    finally:
        lock.close()
    return python


def node_sdk() -> Path:
    """The directory holding npm's ``globalpayments-api`` (installing it the first time), or skip."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the npm Global Payments SDK oracle cannot run")
    prefix = TOOLS / "gp-node"
    module = prefix / "node_modules" / "globalpayments-api"
    lock = _locked("gp-node")
    try:
        if not (module / "package.json").exists():
            npm = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix",
                                  str(prefix), NODE_SDK], capture_output=True, text=True, timeout=600)
            if npm.returncode != 0:
                pytest.skip(f"cannot install npm {NODE_SDK} (no registry?): {npm.stderr[-300:]}")
    finally:
        lock.close()
    return prefix


PY_REQUEST_SCRIPT = r"""
import json, sys
from globalpayments.api import HostedPaymentConfig
from globalpayments.api.builders import AuthorizationBuilder
from globalpayments.api.entities.enums import HppVersion, TransactionType
from globalpayments.api.gateways import RealexConnector
from globalpayments.api.utils import GenerationUtils

out = []
for case in json.load(sys.stdin):
    if case["kind"] == "hash":
        out.append(GenerationUtils.generate_hash(case["secret"], case["values"]))
        continue
    connector = RealexConnector()
    connector.merchant_id, connector.account_id = case["merchant_id"], case["account"]
    connector.shared_secret, connector.channel = case["secret"], None
    config = HostedPaymentConfig()
    # the builder reads ``hpp_version`` although the class declares ``version``
    config.version = config.hpp_version = HppVersion.VERSION_2
    config.response_url = case["response_url"]
    connector.hosted_payment_config = config
    builder = AuthorizationBuilder(TransactionType.Sale)
    builder.amount, builder.currency = case["amount"], case["currency"]
    builder.order_id, builder.timestamp, builder.description = case["order_id"], case["timestamp"], case["comment"]
    for name in ("hosted_payment_data", "shipping_address", "billing_address", "customer_id",
                 "client_transaction_id", "recurring_type", "recurring_sequence"):
        if not hasattr(builder, name):
            setattr(builder, name, None)
    out.append(json.loads(connector.serialize_request(builder)))
json.dump(out, sys.stdout)
"""

NODE_SCRIPT = r"""
const gp = require("globalpayments-api");
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = cases.map((c) => {
  if (c.kind === "hash") return gp.GenerationUtils.generateHash(c.values.join("."), c.secret);
  const config = new gp.GpEcomConfig();
  config.merchantId = c.merchant_id; config.accountId = "internet"; config.sharedSecret = c.secret;
  config.serviceUrl = "https://pay.sandbox.realexpayments.com/pay";
  const service = new gp.HostedService(config);
  try {
    const t = service.parseResponse(JSON.stringify(c.response), false);
    return {ok: true, result: t.responseCode, pasref: t.transactionReference.transactionId,
            order_id: t.transactionReference.orderId, amount: t.authorizedAmount};
  } catch (e) { return {ok: false, error: String(e.message)}; }
});
process.stdout.write(JSON.stringify(out));
"""


def run_python_sdk(cases: list[dict]) -> list:
    result = subprocess.run([str(python_sdk()), "-c", PY_REQUEST_SCRIPT], input=json.dumps(cases),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def run_node_sdk(cases: list[dict]) -> list:
    prefix = node_sdk()
    result = subprocess.run(["node", "-e", NODE_SCRIPT], input=json.dumps(cases), capture_output=True,
                            text=True, timeout=300, cwd=prefix,
                            env={**os.environ, "NODE_PATH": str(prefix / "node_modules")})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)
