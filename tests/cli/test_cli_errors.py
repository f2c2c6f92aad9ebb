"""Command-line errors a user causes: one line, a non-zero exit, no traceback (unless --debug)."""
from __future__ import annotations

import argparse

import pytest

from oro_invoices.cli import build_parser, main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_sqlite_path_in_a_missing_folder_is_one_line(capsys, tmp_path):
    url = f"sqlite:///{tmp_path}/missing/invoices.db"
    code, _, err = run(capsys, "migrate", "--db", url)
    assert code == 2
    assert err == (f"error: cannot open the SQLite database {url}: its folder does not exist "
                   "or is not writable\n")


def test_an_unknown_revision_names_the_newest(capsys, tmp_path):
    from oro_invoices.persistence.migrate import head_revision
    code, _, err = run(capsys, "migrate", "--db", f"sqlite:///{tmp_path}/a.db", "--revision", "9999")
    assert code == 2
    assert "'9999'" in err and f"the newest revision is {head_revision()}" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # the failed first migration left no empty database


def test_migrate_to_a_revision_the_schema_has_passed_changes_nothing_and_says_so(capsys, tmp_path):
    from oro_invoices.persistence.migrate import head_revision
    url = f"sqlite:///{tmp_path}/a.db"
    assert run(capsys, "migrate", "--db", url, "--revision", "0010")[0] == 0
    assert run(capsys, "migrate", "--db", url, "--revision", "0005") == (
        2, "", "error: the schema is at revision 0010, past --revision 0005: migrate only upgrades; "
               "nothing was changed\n")
    assert run(capsys, "migrate", "--db", url, "--revision", "0010")[1] == "schema at revision 0010 (already current)\n"
    assert run(capsys, "migrate", "--db", url)[1] == f"schema at revision {head_revision()} (upgraded from 0010)\n"


def test_migrate_on_a_schema_of_a_newer_release_says_to_upgrade_the_release(capsys, tmp_path):
    import sqlite3

    from oro_invoices.persistence.metadata import VERSION_TABLE
    from oro_invoices.persistence.migrate import head_revision
    url = f"sqlite:///{tmp_path}/a.db"
    assert run(capsys, "migrate", "--db", url)[0] == 0
    with sqlite3.connect(tmp_path / "a.db") as connection:
        connection.execute(f"update {VERSION_TABLE} set version_num = '9001'")
    connection.close()
    assert run(capsys, "migrate", "--db", url) == (
        2, "", f"error: the schema is at revision 9001, which a newer release of oro-invoices wrote (this one's "
               f"newest is {head_revision()}): upgrade oro-invoices; nothing was changed\n")


@pytest.mark.parametrize("argv", [["verify"], ["aging"], ["remind"], ["complete-pdfs", "--storage", "TMP/pdf"],
                                  ["export", "--format", "csv"]])
def test_a_sqlite_file_that_does_not_exist_is_not_created(capsys, tmp_path, argv):
    url = f"sqlite:///{tmp_path}/typo.db"
    code, out, err = run(capsys, argv[0], "--db", url, *(a.replace("TMP", str(tmp_path)) for a in argv[1:]))
    assert code == 2 and out == ""
    assert err == (f"error: the SQLite database {tmp_path}/typo.db does not exist; create it with: "
                   f"oro-invoices migrate --db {url}\n")
    assert list(tmp_path.iterdir()) == []


def test_an_unmigrated_database_says_to_migrate(capsys, tmp_path):
    (tmp_path / "empty.db").touch()
    url = f"sqlite:///{tmp_path}/empty.db"
    code, _, err = run(capsys, "verify", "--db", url)
    assert code == 2
    assert err.startswith(f"error: the database {url} has no oro-invoices schema")
    assert err.rstrip().endswith(f"run: oro-invoices migrate --db {url}")


def test_an_unreachable_server_hides_the_password(capsys):
    code, _, err = run(capsys, "migrate", "--db", "postgresql://someone:s3cret@127.0.0.1:1/invoices")
    assert code == 2
    assert err.startswith("error: cannot connect to the database postgresql://someone:***@127.0.0.1:1/invoices")
    assert "s3cret" not in err


def test_debug_keeps_the_traceback(tmp_path):
    import sqlite3

    from oro_invoices.domain.errors import DatabaseNotMigrated
    (tmp_path / "empty.db").touch()
    with pytest.raises(DatabaseNotMigrated) as caught:
        main(["verify", "--db", f"sqlite:///{tmp_path}/empty.db", "--debug"])
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


def test_migrate_says_what_it_did(capsys, tmp_path):
    from oro_invoices.persistence.migrate import head_revision
    url = f"sqlite:///{tmp_path}/new.db"
    code, out, err = run(capsys, "migrate", "--db", url)
    assert code == 0 and out == f"schema created at revision {head_revision()}\n"
    steps = err.splitlines()                          # one line per revision as it is applied
    assert steps[0].startswith("applied 0001: Initial schema")
    assert steps[-1].startswith(f"applied {head_revision()}: ")
    assert len(steps) == int(head_revision())
    assert run(capsys, "migrate", "--db", url)[1:] == (f"schema at revision {head_revision()} (already current)\n", "")


def test_every_subcommand_describes_itself():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        assert command.description, f"{name} has no description"
        assert command.format_help().count(command.description.split(" ")[0]) >= 1


def test_db_and_storage_from_the_environment(capsys, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/env.db"
    monkeypatch.setenv("ORO_INVOICES_DB", url)
    monkeypatch.setenv("ORO_INVOICES_STORAGE", f"file://{tmp_path}/pdf")
    (tmp_path / "pdf").mkdir()
    assert run(capsys, "migrate")[0] == 0
    code, out, _ = run(capsys, "verify")
    assert code == 0 and out.startswith("OK: checked 0 posted invoice(s), 0 PDF(s)")


BIG = "99999999999999999999999"


@pytest.mark.parametrize("argv, option", [
    (["export", "--organization", BIG], "--organization"),
    (["aging", "--organization", BIG], "--organization"),
    (["statement", "--customer", BIG], "--customer"),
    (["statement", "--customer", "1", "--organization", BIG], "--organization"),
    (["import", "invoices.jsonl", "--organization", BIG], "--organization"),
    (["match-payments", "statement.xml", "--organization", BIG], "--organization"),
    (["remind", "--organization", BIG], "--organization"),
    (["send-statements", "--storage", "file:///tmp/pdf", "--organization", BIG], "--organization"),
    (["send-aging-reports", "--storage", "file:///tmp/pdf", "--organization", BIG], "--organization"),
    (["reauthorize", "--organization", BIG], "--organization"),
])
def test_an_id_beyond_what_a_database_holds_is_refused_naming_the_option(capsys, tmp_path, argv, option):
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--db", f"sqlite:///{tmp_path}/invoices.db"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument {option}: {BIG} is too large: an id is at most 9223372036854775807\n" in err
    assert "Traceback" not in err and not (tmp_path / "invoices.db").exists()


@pytest.mark.parametrize("value", ["\u0665", "1_000", " 5", "5 ", "+5", "\uff15", "0x5", "5.0", ""])
@pytest.mark.parametrize("argv, option", [
    (["export"], "--organization"),
    (["statement", "--customer"], "--customer"),
    (["statement", "--customer", "1", "--organization"], "--organization"),
    (["match-payments", "statement.xml", "--organization"], "--organization"),
])
def test_an_id_in_anything_but_the_digits_0_to_9_is_refused_naming_the_option(capsys, tmp_path, argv, option,
                                                                               value):
    """Python's int() reads an Arabic-Indic five, "1_000" and " 5": a command takes none of them."""
    argv = [*argv, value] if argv[-1] == option else [*argv, option, value]
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--db", f"sqlite:///{tmp_path}/invoices.db"])
    assert stop.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.endswith(f": error: argument {option}: {value!r} is not a whole number: write it with the digits "
                         "0-9 only")
    assert not (tmp_path / "invoices.db").exists()


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--limit", "1_0", "argument --limit: '1_0' is not a whole number: write it with the digits 0-9 only"),
    ("--every", "nan", "argument --every: 'nan' is not a number: write it with the digits 0-9 and at most one '.'"),
    ("--every", "\u0665", "argument --every: '\u0665' is not a number: write it with the digits 0-9 and at most "
                          "one '.'"),
    ("--every", "1e3", "argument --every: '1e3' is not a number: write it with the digits 0-9 and at most one '.'"),
    ("--every", "-5", "argument --every: -5 is too small: must be at least 0"),
    ("--limit", "0", "argument --limit: 0 is too small: must be at least 1"),
])
def test_deliver_mail_refuses_a_negative_interval_or_an_empty_batch(capsys, tmp_path, option, value, said):
    with pytest.raises(SystemExit) as caught:
        main(["deliver-mail", "--db", f"sqlite:///{tmp_path}/x.db", "--storage", str(tmp_path / "pdf"),
              "--smtp-url", "smtp://127.0.0.1:25", option, value])
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"oro-invoices deliver-mail: error: {said}"


def test_beat_names_a_schedule_file_it_cannot_write(capsys, tmp_path):
    code, _, err = run(capsys, "beat", "--broker", "redis://127.0.0.1:6379/0",
                       "--schedule-file", str(tmp_path / "missing" / "schedule"))
    assert code == 2
    assert err == (f"error: --schedule-file {tmp_path}/missing/schedule: the folder {tmp_path}/missing "
                   "does not exist or is not writable\n")
    assert list(tmp_path.iterdir()) == []


def test_an_export_stopped_midway_leaves_the_earlier_file_and_no_partial_one(capsys, tmp_path, monkeypatch):
    from oro_invoices.services import exporting
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0
    output = tmp_path / "invoices.csv"
    output.write_text("yesterday's export\n")

    def interrupted(records, out, progress):
        out.write("external_id,invoice_number\n")
        raise KeyboardInterrupt  # Ctrl-C while rows are written
    monkeypatch.setattr(exporting, "write_csv", interrupted)
    assert main(["export", "--db", url, "--format", "csv", "--output", str(output)]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"export interrupted: {output} was not written (an earlier file of that name is as it was)")
    assert output.read_text() == "yesterday's export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoices.csv", "invoices.db"]
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["export", "--db", url, "--format", "csv", "--output", str(output)]) == 0
    assert output.read_text().startswith("external_id,")
    assert capsys.readouterr().err.endswith("exported: 0 invoice(s)\n")


def test_an_export_to_a_missing_folder_names_the_file(capsys, tmp_path):
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0
    capsys.readouterr()
    assert main(["export", "--db", url, "--format", "csv", "--output", str(tmp_path / "nodir" / "x.csv")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}/nodir/x.csv: No such file or directory\n"


def test_an_export_file_gets_the_mode_of_the_file_it_replaces_else_the_umasks(capsys, tmp_path):
    import os
    import stat
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0
    mask = os.umask(0o022)
    try:
        assert main(["export", "--db", url, "--format", "csv", "--output", str(tmp_path / "new.csv")]) == 0
        kept = tmp_path / "kept.csv"
        kept.write_text("yesterday's export\n")
        kept.chmod(0o640)
        assert main(["export", "--db", url, "--format", "csv", "--output", str(kept)]) == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text().startswith("external_id,")
    capsys.readouterr()


@pytest.mark.parametrize(("content", "reason"), [(b"hello, not a database", "file is not a database"),
                                                 (b"SQLite format 3\x00" + b"\x01" * 200,
                                                  "file is not a database")])
@pytest.mark.parametrize("command", ["migrate", "verify"])
def test_a_file_that_is_not_an_sqlite_database_is_one_line(capsys, tmp_path, command, content, reason):
    (tmp_path / "notes.db").write_bytes(content)
    url = f"sqlite:///{tmp_path}/notes.db"
    code, out, err = run(capsys, command, "--db", url)
    assert (code, out) == (2, "")
    assert err == f"error: the file of {url} is not an SQLite database, or is damaged ({reason})\n"
    assert (tmp_path / "notes.db").read_bytes() == content


def test_an_export_whose_dates_are_the_wrong_way_round_names_both_options(capsys, tmp_path):
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0
    capsys.readouterr()
    for extra in ([], ["--format", "pdfs", "--storage", str(tmp_path), "--output", str(tmp_path / "o.zip")]):
        assert run(capsys, "export", "--db", url, "--date-from", "2026-12-01", "--date-to", "2026-01-01", *extra) == (
            2, "", "error: --date-to 2026-01-01 is before --date-from 2026-12-01: no invoice is dated between them.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoices.db"]


@pytest.mark.parametrize("command", [["worker", "--db", "sqlite:///unused.db"], ["beat"]])
def test_an_empty_queue_name_is_refused(capsys, command):
    with pytest.raises(SystemExit) as stopped:
        main([*command, "--broker", "redis://127.0.0.1:6379/0", "--queue", " "])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.endswith(f"oro-invoices {command[0]}: error: argument --queue: a queue needs a "
                                            "name (the web processes' jobs_queue; default oro_invoices)\n")


def test_a_demo_data_directory_whose_database_is_no_database_names_that_file(capsys, tmp_path):
    pytest.importorskip("flask")
    (tmp_path / "shop.db").write_text("my notes")
    assert run(capsys, "demo", "--port", "0", "--data-dir", str(tmp_path)) == (
        2, "", f"error: the file of sqlite:///{tmp_path}/shop.db is not an SQLite database, or is damaged "
               "(file is not a database)\n")
    assert (tmp_path / "shop.db").read_text() == "my notes"


def test_beats_help_names_every_periodic_job_it_sends(capsys):
    from oro_invoices.jobs.celery_app import create_celery
    app = create_celery(lambda: None, broker_url="memory://")  # type: ignore[arg-type, return-value]
    with pytest.raises(SystemExit):
        main(["beat", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert len(app.conf.beat_schedule) == 7
    for job in ("outbox, events and PDF sweeps", "payment reminders", "renewing authorizations",
                "Aging Report emails", "scheduled statements"):
        assert job in said
    assert "seconds between the outbox, events and PDF sweeps (default: 30; the others run hourly)" in said


def test_an_import_report_that_cannot_be_written_is_said_before_anything_is_imported(capsys, tmp_path):
    import json
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0
    record = {"external_id": "J-1", "invoice_date": "2026-06-15", "currency": "EUR", "organization_id": 1,
              "customer_id": 1, "customer_name": "Acme AG", "status": "draft",
              "lines": [{"description": "Consulting", "quantity": "1", "unit_price": "10.00", "tax_rate": "0.19"}]}
    (tmp_path / "one.json").write_text(json.dumps([record]))
    capsys.readouterr()
    report = tmp_path / "missing" / "report.json"
    assert main(["import", "--db", url, "--report", str(report), str(tmp_path / "one.json")]) == 2
    out, err = capsys.readouterr()
    assert err == (f"error: --report {report}: the folder {tmp_path}/missing does not exist or is not writable\n")
    assert main(["export", "--db", url, "--format", "jsonl"]) == 0
    assert capsys.readouterr().out == ""                  # nothing was imported
    assert main(["import", "--db", url, "--report", str(tmp_path / "report.json"), str(tmp_path / "one.json")]) == 0
    assert json.loads((tmp_path / "report.json").read_text())["counts"]["created"] == 1


def test_every_option_of_every_command_is_described_in_its_help():
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    undescribed = [f"{name} {action.option_strings[0]}" for name, command in commands.items()
                   for action in command._actions if action.option_strings and not action.help]
    assert undescribed == []


@pytest.mark.parametrize("argv", [
    ["deliver-mail", "--db", "sqlite:///TMP/x.db", "--storage", "TMP/pdf"],
    ["worker", "--db", "sqlite:///TMP/x.db", "--broker", "redis://127.0.0.1:6379/0"],
    ["demo"],
])
@pytest.mark.parametrize(("value", "reason"), [
    ("foo", "Invalid SMTP URL scheme ''"),
    ("mail.example.com:25", "Invalid SMTP URL scheme 'mail.example.com'"),
    ("http://mail.example.com", "Invalid SMTP URL scheme 'http'"),
])
def test_a_bad_smtp_url_names_the_option_and_what_a_valid_one_is(capsys, tmp_path, argv, value, reason):
    with pytest.raises(SystemExit) as caught:
        main([*(a.replace("TMP", str(tmp_path)) for a in argv), "--smtp-url", value])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"oro-invoices {argv[0]}: error: argument --smtp-url: {reason}: use smtp://HOST:PORT, "
        "smtp://USER:PASSWORD@HOST:587?security=starttls or smtps://USER:PASSWORD@HOST:465 (implicit TLS).")
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("argv", "said"), [
    (["aging", "--as-of", "1900-01-01"], "--as-of: Choose a day from "),
    (["aging", "--format", "detail", "--currency", "usd"], "--currency: Must be an ISO 4217 currency code"),
    (["aging", "--currency", "usd"], "--currency: Must be an ISO 4217 currency code"),
    (["statement", "--customer", "10", "--currency", "usd"], "--currency: Must be an ISO 4217 currency code"),
    (["statement", "--customer", "10", "--as-of", "1900-01-01"], "--as-of: Choose a day from "),
    (["statement", "--customer", "10", "--from", "2020-01-01", "--to", "2026-01-01"],
     "--to: A statement covers at most three years."),
])
def test_aging_and_statement_name_the_option_of_a_value_out_of_range(capsys, sqlite_db, argv, said):
    from support.payloads import invoice_payload

    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False))
    service.post(service.create(invoice_payload()).id)              # customer 10's
    code, out, err = run(capsys, *argv, "--db", sqlite_db.url)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {said}") and err.count("\n") == 1


def test_an_export_to_standard_output_stopped_midway_says_it_is_incomplete(capsys, tmp_path, monkeypatch):
    from oro_invoices.services import exporting
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0

    def interrupted(records, out, progress):
        progress(3)
        raise KeyboardInterrupt
    monkeypatch.setattr(exporting, "write_jsonl", interrupted)
    capsys.readouterr()
    assert main(["export", "--db", url]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        "export interrupted: standard output is incomplete: it got only 3 invoice(s)")


def test_an_import_stopped_midway_writes_nothing_and_says_so(capsys, tmp_path, monkeypatch):
    import json

    from support.payloads import invoice_payload

    from oro_invoices.services import importing
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0
    file = tmp_path / "two.json"
    file.write_text(json.dumps([invoice_payload(external_id="I-1"), invoice_payload(external_id="I-2")]))
    write_chunk, written = importing._write_chunk, []

    def interrupted(*args):
        write_chunk(*args)
        written.append(len(args[2]))
        raise KeyboardInterrupt     # Ctrl-C once the records are written, before the commit
    monkeypatch.setattr(importing, "_write_chunk", interrupted)
    capsys.readouterr()
    assert main(["import", "--db", url, "--one-process", str(file)]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        "import interrupted: nothing was written (with --on-error stop the import is one transaction)")
    assert written == [2]
    monkeypatch.undo()
    assert main(["export", "--db", url]) == 0
    assert capsys.readouterr().err.endswith("exported: 0 invoice(s)\n")


def test_deliver_mail_every_says_where_ctrl_c_stopped_it(capsys, tmp_path, monkeypatch):
    import time

    from oro_invoices.services.mail.service import MailService
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0
    argv = ["deliver-mail", "--db", url, "--storage", str(tmp_path / "pdf"), "--smtp-url", "smtp://127.0.0.1:1",
            "--every", "5"]

    def sleep(seconds):
        raise KeyboardInterrupt
    monkeypatch.setattr(time, "sleep", sleep)
    capsys.readouterr()
    assert main(argv) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        "deliver-mail stopped after its last finished round (1 round(s)); nothing was cut short")

    def deliver_pending(self, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(MailService, "deliver_pending", deliver_pending)
    assert main(argv) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        "deliver-mail interrupted during a round, after 0 finished round(s): what it delivered is recorded; "
        "a message being sent at that moment stays 'sending' until its lease expires")


def test_an_import_stopped_while_writing_its_report_says_so_and_leaves_no_partial_report(
        capsys, tmp_path, monkeypatch):
    import json

    from support.payloads import invoice_payload

    from oro_invoices.services.importing import ImportReport
    url = f"sqlite:///{tmp_path}/invoices.db"
    assert main(["migrate", "--db", url]) == 0
    file = tmp_path / "one.json"
    file.write_text(json.dumps([invoice_payload(external_id="R-1")]))
    report = tmp_path / "report.json"
    report.write_text("yesterday's report\n")

    def interrupted(self, out):
        out.write('{\n  "dry_run": false,')
        raise KeyboardInterrupt     # Ctrl-C while the report is written
    monkeypatch.setattr(ImportReport, "write_json", interrupted)
    capsys.readouterr()
    assert main(["import", "--db", url, "--one-process", "--report", str(report), str(file)]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        "import interrupted while writing its report: the import is done and stays written (1 created, "
        "0 updated, 0 unchanged, 0 skipped, 0 PDF(s) attached, 0 PDF(s) rendered, 0 pending); "
        f"{report} was not written (an earlier file of that name is as it was)")
    assert report.read_text() == "yesterday's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoices.db", "one.json", "report.json"]
    assert main(["export", "--db", url]) == 0
    assert capsys.readouterr().err.endswith("exported: 1 invoice(s)\n")
