"""System > Configuration checks the PDF Signing Certificate when it is saved: a path that is no
file, cannot be read, is no PKCS#12 file, that the passphrase does not open or whose certificate
has expired is refused next to the setting, saying why without showing what the file holds."""
from __future__ import annotations

import pytest
from support.certificates import write_pkcs12
from support.config_form import save

from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.integration.config import InvalidSetting, Settings

KEY = "oro_invoices.einvoice.signing_certificate"
CONFIG = "/admin/config/oro_invoices?scope=global"
SECRET_LINE = "PRIVATE-KEY-MATERIAL-DO-NOT-SHOW"


def _settings(shop) -> Settings:
    return Settings(shop[0].extensions["oro_reference_host"].config)


def _error_next_to_the_setting(resp) -> str:
    html = resp.get_data(as_text=True)
    row = html.split(f'<tr data-setting="{KEY}">')[1].split("</tr>")[0]
    return text_of(row.split(f'id="{KEY}-error">')[1].split("</div>")[0]) if f'id="{KEY}-error"' in row else ""


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv("ORO_INVOICES_SIGNING_PASSPHRASE", "s3cret")


def _bad_paths(tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text(SECRET_LINE + "\n" * 3)
    wrong = tmp_path / "other.p12"
    write_pkcs12(wrong, b"another passphrase")
    expired = tmp_path / "expired.p12"
    write_pkcs12(expired, b"s3cret", valid_days=-2)
    keyless = tmp_path / "keyless.p12"
    write_pkcs12(keyless, b"s3cret", with_key=False)
    return {
        "missing": (str(tmp_path / "nowhere.p12"), "does not exist on the server"),
        "relative": ("certs/signing.p12", "must be given by its full path on the server"),
        "folder": (str(tmp_path), "is a folder: give the path of the PKCS#12 file (.p12) in it"),
        "not pkcs12": (str(text_file), "is not a PKCS#12 file (.p12)"),
        "wrong passphrase": (str(wrong), "the passphrase in $ORO_INVOICES_SIGNING_PASSPHRASE is wrong or missing"),
        "expired": (str(expired), "expired on"),
        "no key": (str(keyless), "holds no private key with its certificate"),
    }


CASES = ["missing", "relative", "folder", "not pkcs12", "wrong passphrase", "expired", "no key"]


@pytest.mark.parametrize("case", CASES)
def test_an_unusable_certificate_is_refused_next_to_the_setting_when_saved(shop, admin, tmp_path, passphrase, case):
    path, reason = _bad_paths(tmp_path)[case]
    resp = save(admin, CONFIG, {KEY: path, f"{KEY}.use_default": None})
    assert resp.status_code == 422
    said = _error_next_to_the_setting(resp)
    assert said.startswith("The PDF signing certificate") and reason in said
    assert SECRET_LINE not in text_of(resp.get_data(as_text=True))
    assert _settings(shop).stored(KEY) is None


def test_a_certificate_that_signs_is_saved(shop, admin, tmp_path, passphrase):
    path = tmp_path / "signing.p12"
    write_pkcs12(path, b"s3cret")
    resp = save(admin, CONFIG, {KEY: str(path), f"{KEY}.use_default": None})
    assert resp.status_code == 302
    assert _settings(shop).stored(KEY) == str(path)


def test_settings_set_refuses_it_too_naming_the_setting(shop, tmp_path, passphrase):
    with pytest.raises(InvalidSetting) as caught:
        _settings(shop).set(KEY, str(tmp_path / "nowhere.p12"))
    assert caught.value.key == KEY and "does not exist on the server" in str(caught.value.problem)
    assert KEY in str(caught.value)


def test_saving_other_settings_does_not_check_a_certificate_saved_before(shop, admin, tmp_path, passphrase):
    path = tmp_path / "signing.p12"
    write_pkcs12(path, b"s3cret")
    _settings(shop).set(KEY, str(path))
    path.unlink()                       # gone since: the posting says so, an unrelated save does not fail
    resp = save(admin, CONFIG, {"oro_invoices.number_prefix": "NW-", "oro_invoices.number_prefix.use_default": None})
    assert resp.status_code == 302
    assert _settings(shop).stored("oro_invoices.number_prefix") == "NW-"


def test_a_file_the_server_may_not_read_is_said_so(tmp_path, passphrase, monkeypatch):
    from oro_invoices.documents.einvoice import signing

    path = tmp_path / "locked.p12"
    write_pkcs12(path, b"s3cret")

    def refused(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(signing, "open", refused, raising=False)   # as for a file of another user
    problem = signing.certificate_problem(str(path))
    assert problem is not None
    assert str(problem) == f"The PDF signing certificate {str(path)!r} cannot be read: Permission denied."
