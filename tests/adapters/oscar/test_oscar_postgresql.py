"""An Oscar shop on PostgreSQL: Oscar's 255-character subject column would refuse the add-on's
email subjects, so the app widens it (migration ``0002``). Runs the shop in a process of its
own (``support/oscar_postgres_shop.py``) on a throwaway database."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import oscar_postgres_shop

import oro_invoices.services.mail as mail

TEMPLATES = Path(mail.__path__[0]) / "templates"


def _run_shop(url: str, workdir: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, oscar_postgres_shop.__file__, url, str(workdir)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


@pytest.mark.slow
def test_a_postgresql_shop_migrates_installs_and_sends_the_full_subjects(
        pg_shop_url: str, tmp_path: Path) -> None:
    seen = _run_shop(pg_shop_url, tmp_path)

    assert seen["column"] == {
        "migrated": "text",
        "reversed_empty": "character varying", "reapplied_empty": "text",  # back to Oscar's 255
        "reversed_with_subjects": "text", "reapplied_with_subjects": "text",  # they would not fit
    }
    defaults = {f"ORO_{p.stem.upper()}": p.read_text(encoding="utf-8").rstrip("\n")
                for p in TEMPLATES.glob("*.subject")}
    # the refund receipt's, the staff alert's, the statement's and the aging's are short; the activity's and the
    # payment receipt's (which counts the invoices of a payment of many) are long like the invoices'
    assert len(defaults) == 9 and sum(len(s) > 255 for s in defaults.values()) == 5
    assert seen["stored"] == defaults  # every default subject, whole

    number, year = seen["number"], seen["due_year"]
    subject = seen["default_subject"]
    assert subject.startswith(f"Invoice {number} from {oscar_postgres_shop.COMPANY}, due ")
    assert subject.endswith(str(year))

    assert seen["edited_length"] > 255
    assert seen["form_errors"] == {}  # the editor saves a subject longer than Oscar's 255
    assert seen["edited_stored"] is True
    edited = seen["edited_subject"]
    assert edited.startswith(f"Your invoice {number} from {oscar_postgres_shop.COMPANY} is due on ")
    assert edited.endswith(str(year))
