"""``pip install oro-invoices`` pulls no web framework; each adapter comes with its extra."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

PROJECT = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]
FRAMEWORKS = ("flask", "starlette", "django", "fastapi", "quart", "werkzeug")


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_core_needs_no_web_framework():
    assert not names(PROJECT["dependencies"]) & set(FRAMEWORKS)


def test_the_asgi_extra_brings_starlette_below_its_next_major_and_form_parsing():
    asgi = PROJECT["optional-dependencies"]["asgi"]
    starlette = next(r for r in asgi if r.startswith("starlette"))
    assert "<2" in starlette
    assert {"python-multipart", "itsdangerous"} <= names(asgi)
    assert "asgi" in PROJECT["optional-dependencies"]["all"][0]
    assert "httpx" in names(PROJECT["optional-dependencies"]["test"])
