"""The command synopses of docs/jobs.md say what ``--help`` says: every option, and which of
them may be left out."""
from __future__ import annotations

import re
from pathlib import Path

from oro_invoices.cli import ENVIRONMENT_DEFAULTS, build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def synopses(page: str) -> dict[str, str]:
    """Each ``oro-invoices COMMAND …`` synopsis of a page's code blocks, its continuation lines joined."""
    found: dict[str, str] = {}
    for block in _BLOCK.findall((DOCS / page).read_text(encoding="utf-8")):
        for entry in re.split(r"\n(?=oro-invoices )", block):
            match = re.match(r"oro-invoices ([a-z-]+) (.*)", entry, re.S)
            if match and "\\" not in entry and "#" not in entry:
                found[match.group(1)] = " ".join(match.group(2).split())
    return found


def options_of(synopsis: str) -> dict[str, bool]:
    """The options a synopsis names, each with whether it is required (not in brackets)."""
    named: dict[str, bool] = {}
    depth = 0
    for token in re.findall(r"\[|\]|--[a-z-]+", synopsis):
        if token in "[]":
            depth += 1 if token == "[" else -1
        else:
            named.setdefault(token, depth == 0)
    return named


def test_each_synopsis_names_every_option_as_required_or_optional_as_help_does(monkeypatch):
    for env in (*ENVIRONMENT_DEFAULTS.values(), "ORO_INVOICES_BROKER_URL"):
        monkeypatch.delenv(env, raising=False)
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    documented = synopses("jobs.md")
    assert set(documented) == {"worker", "beat"}
    for name, synopsis in documented.items():
        actions = [a for a in commands[name]._actions if a.option_strings and a.dest not in ("help", "debug")]
        helped = {a.option_strings[0]: a.required for a in actions}
        assert options_of(synopsis) == helped, f"docs/jobs.md: oro-invoices {name}"
