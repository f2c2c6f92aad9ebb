"""A first run of send-statements and send-aging-reports, on a database without any stored PDF,
with a local --storage folder that does not exist yet: a run that stores nothing makes no folder,
a dry run says it would make one, and a run that stores PDFs says it made it."""
from __future__ import annotations

import datetime as dt

import pytest
from support.mail import judge_on, make_app, run_argv

from oro_invoices import cli

NOW = dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)
DAY = dt.date(2026, 12, 9)


@pytest.fixture
def app(db, tmp_path, monkeypatch):
    """Invoices posted without PDFs (generation off): nothing is stored in any folder."""
    return judge_on(make_app(db, tmp_path, generate_pdf=False), monkeypatch, NOW)


@pytest.fixture
def argv(app, tmp_path, request) -> list[str]:
    return run_argv(request.param, app, str(tmp_path / "first" / "pdf"), DAY)


@pytest.mark.parametrize("argv", ["send-statements", "send-aging-reports"], indirect=True)
def test_a_run_that_stores_nothing_makes_no_folder(app, argv, tmp_path, capsys):
    assert cli.main(argv, host=app.host) == 0
    assert "queued 0" in capsys.readouterr().out
    assert not (tmp_path / "first").exists()


@pytest.mark.parametrize("argv", ["send-statements", "send-aging-reports"], indirect=True)
def test_the_folder_is_made_only_to_store_pdfs_and_the_run_says_so(app, argv, tmp_path, capsys):
    invoice = app.invoices.post(app.create().id)
    assert app.invoices.get(invoice.id).pdf is None
    folder = tmp_path / "first" / "pdf"
    assert cli.main([*argv, "--dry-run"], host=app.host) == 0
    out, err = capsys.readouterr()
    assert "would queue 1" in out and not (tmp_path / "first").exists()
    assert err.endswith(f"note: the PDF storage folder {folder} does not exist; a run without --dry-run makes "
                        "it to store the PDFs of 1 message(s)\n")
    assert cli.main(argv, host=app.host) == 0
    out, err = capsys.readouterr()
    assert "queued 1" in out and folder.is_dir() and any(folder.rglob("*"))
    assert err.endswith(f"note: made the PDF storage folder {folder}, which did not exist, to store the PDFs "
                        "of 1 message(s)\n")
    assert cli.main(argv, host=app.host) == 0                               # the folder is there now
    assert "note:" not in capsys.readouterr().err.replace("note: no host", "")


@pytest.mark.parametrize("argv", ["send-statements", "send-aging-reports"], indirect=True)
def test_an_empty_storage_is_one_line_before_anything_is_queued(app, argv, capsys):
    app.invoices.post(app.create().id)
    assert cli.main([*argv[:4], "", *argv[5:]], host=app.host) == 2
    assert capsys.readouterr() == ("", "error: --storage is empty: give the URL of the PDF storage deliver-mail "
                                       "reads the attachments from (or set $ORO_INVOICES_STORAGE)\n")
