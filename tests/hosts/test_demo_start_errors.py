"""``oro-invoices demo`` that cannot start: one line naming the option, exit code 2, nothing written."""
from __future__ import annotations

import socket
import subprocess

import pytest
from support.demo_run import DEMO
from support.lifetime import tied


def run_demo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(tied([*DEMO, *args]), capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_stops_the_demo_before_it_writes_anything(tmp_path, workers):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_demo("--data-dir", str(tmp_path / "shop"), "--port", str(port), "--workers", workers)
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip() == (f"error: cannot listen on 127.0.0.1:{port} (--host, --port): "
                                     "Address already in use")
    assert "Seeding" not in result.stdout
    assert not (tmp_path / "shop").exists()


def test_a_port_out_of_range_is_refused_naming_the_option(tmp_path):
    result = run_demo("--data-dir", str(tmp_path / "shop"), "--port", "99999")
    assert result.returncode == 2
    assert "argument --port: 99999 is not a port: must be 0 to 65535" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "shop").exists()


def test_a_data_directory_that_is_a_file_is_one_line(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("mine")
    result = run_demo("--data-dir", str(afile), "--port", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: cannot use the data directory {afile} (--data-dir): "
                                     "it is a file, not a folder")
    assert afile.read_text() == "mine"
    below = run_demo("--data-dir", str(afile / "shop"), "--port", "0")
    assert below.returncode == 2
    assert below.stderr.strip() == (f"error: cannot use the data directory {afile / 'shop'} (--data-dir): "
                                    "Not a directory")


def test_a_host_that_is_no_address_is_one_line(tmp_path):
    result = run_demo("--data-dir", str(tmp_path / "shop"), "--host", "no-such-host.invalid", "--port", "0")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot listen on no-such-host.invalid:0 (--host, --port): ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "shop").exists()


def test_a_demo_stopped_while_seeding_leaves_no_half_seeded_shop(tmp_path, monkeypatch):
    """Ctrl-C while seeding: a partly seeded shop would count as seeded next time, with no
    logins to show; the run removes the shop it created, so the next run seeds it afresh."""
    from oro_invoices.cli import build_parser
    from oro_invoices.hosts.reference import demo
    from oro_invoices.hosts.reference import seed as seeding

    def interrupted(app, **options):
        app.extensions["oro_reference_host"].records.add_organization("Half Seeded")
        raise KeyboardInterrupt
    monkeypatch.setattr(seeding, "seed", interrupted)
    args = build_parser().parse_args(["demo", "--data-dir", str(tmp_path / "shop"), "--port", "0"])
    with pytest.raises(KeyboardInterrupt):
        demo.run_demo(args)
    assert sorted(p.name for p in (tmp_path / "shop").iterdir()) == ["secret_key"]
