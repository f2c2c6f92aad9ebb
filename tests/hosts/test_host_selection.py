"""The grid's actions on the ticked invoices, in the reference shop: Send to Customer (drafts
posted first, each emailed from its template with its PDF), Download PDFs, Delete drafts."""
from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urlencode

from support.admins import admin_with
from support.held_jobs import BrokenJobs
from support.variant import celery_jobs, documents_made

from oro_invoices.domain.errors import ValidationError
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services import selected_invoices

SEND = "/admin/invoices/selected/send"
DELETE = "/admin/invoices/selected/delete"
PDFS = "/admin/invoices/selected/pdfs.zip"


def ids(admin: ShopClient, *external_ids: str) -> list[int]:
    return [admin.service.find_id(external_id=e) for e in external_ids]


def query(invoices: list[int], back: str = "?status=posted") -> str:
    return "?" + urlencode([("invoice", i) for i in invoices] + [("return", back)])


def outcomes(page: str) -> dict[int, tuple[str, str]]:
    """Each row of the selection page: its outcome and its last cell in words."""
    rows = re.findall(r'<tr data-invoice-id="(\d+)" data-oi-outcome="([a-z_]+)">(.*?)</tr>', page, re.S)
    return {int(i): (outcome, text_of(cells.rsplit("<td>", 1)[1])) for i, outcome, cells in rows}


def hidden_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<input type="hidden" name="invoice" value="(\d+)">', page)]


def outbox(shop, invoice_id: int):
    return shop[0].extensions["oro_invoices"].mail.emails(invoice_id)


def test_the_grid_offers_a_checkbox_per_row_and_the_actions_on_the_ticked_ones(admin):
    grid = admin.get("/admin/invoices?status=posted").get_data(as_text=True)
    boxes = re.findall(r'<input type="checkbox" name="invoice" value="(\d+)" form="oi-selection-form" '
                       r'aria-label="Select ([^"]+)">', grid)
    shown = re.findall(r'<tr data-invoice-id="(\d+)"', grid)
    assert [b[0] for b in boxes] == shown and all(b[1].startswith("INV-") for b in boxes)
    bar = grid.split('id="oi-selection-form"')[1].split("</form>")[0]
    assert f'formaction="{SEND}"' in bar and f'formaction="{DELETE}"' in bar and 'id="oi-selection-pdfs"' in bar
    assert f'action="{PDFS}"' in grid and 'name="return" value="?status=posted&amp;sort=-invoice_date"' in bar
    assert "data-oi-select-all" in grid                      # "select the page", shown by the script


def test_send_to_customer_posts_the_drafts_then_emails_each_with_its_pdf(shop, admin):
    draft, posted, other = ids(admin, "ERP-SO-1004-4", "ERP-SO-1003-3", "ERP-SO-1008-8")
    foreign = admin.service.find_id(external_id="ERP-SO-1011-11")       # Sakura's
    confirm = admin.get(SEND + query([draft, posted, other, foreign]))
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert not admin.service.get(draft).is_posted                            # showing it changes nothing
    rows = outcomes(page)
    assert rows[draft] == ("ok", "Posted, then sent to carla.nguyen@acme.example")
    assert rows[posted] == ("ok", "Sent to carla.nguyen@acme.example")
    assert rows[other] == ("ok", "Sent to gina.park@globex.example")
    assert rows[foreign] == ("not_sent", f"Not sent: Invoice {foreign} does not exist.")
    assert "SAK-" not in page                                                # nothing of Sakura's is shown
    text = text_of(page)
    assert "3 invoices will be emailed to their customer users" in text
    assert "1 of them is a draft: it is posted first" in text
    assert hidden_ids(page) == [draft, posted, other] and "Send 3 invoices" in text

    form = {"invoice": hidden_ids(page), "form_token": re.search(r'name="form_token" value="([^"]+)"', page)[1],
            "return": "?status=posted", "csrf_token": form_token(page)}
    done = admin.client.post(SEND, data=form)
    assert done.status_code == 200
    result = done.get_data(as_text=True)
    made = documents_made(admin.service, draft)
    assert made.is_posted and made.invoice_number
    assert outcomes(result) == {
        draft: ("sent", "Posted and queued for sending to carla.nguyen@acme.example"),
        posted: ("sent", "Queued for sending to carla.nguyen@acme.example"),
        other: ("sent", "Queued for sending to gina.park@globex.example")}
    assert "3 invoices were queued for sending. 1 draft was posted first." in " ".join(text_of(result).split())
    assert made.invoice_number in result                                     # the draft's number now
    for invoice_id in (draft, posted, other):
        doc = documents_made(admin.service, invoice_id)
        [email] = outbox(shop, invoice_id)
        assert doc.invoice_number in email.subject and email.template == "invoice_notification_template"
        pdf = email.attachments[0]
        assert pdf.filename == f"invoice-{doc.invoice_number}.pdf"
        if celery_jobs() and invoice_id == draft:   # queued while the worker made its PDF: it waits for it
            assert pdf.awaits_pdf or pdf.sha256 == doc.pdf.sha256
        else:
            assert pdf.sha256 == doc.pdf.sha256
    assert 'href="/admin/invoices?status=posted"' in result                  # Back to Invoices, as it was

    again = admin.client.post(SEND, data=form)                               # Back and send again, a reload
    assert {i: o for i, (o, _) in outcomes(again.get_data(as_text=True)).items()} == dict.fromkeys(
        (draft, posted, other), "already_sent")
    assert all(len(outbox(shop, i)) == 1 for i in (draft, posted, other))
    assert outbox(shop, foreign) == []


def test_the_confirmation_says_once_what_the_drafts_would_not_say_of_their_seller(shop, admin):
    draft, posted = ids(admin, "ERP-SO-1004-4", "ERP-SO-1003-3")
    assert "data-oi-seller-gap" not in admin.get(SEND + query([draft, posted])).get_data(as_text=True)
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    settings.set("oro_invoices.seller.company_name", "", "organization", 1)
    page = admin.get(SEND + query([draft, posted])).get_data(as_text=True)
    assert page.count("data-oi-seller-gap") == 1
    assert "The seller's company name is not set, so once posted this invoice and its emails would not name" \
        in text_of(page)
    assert "data-oi-seller-gap" not in admin.get(SEND + query([posted])).get_data(as_text=True)  # nothing to post


def test_a_draft_without_an_address_is_neither_posted_nor_sent(shop, admin):
    draft, posted = ids(admin, "ERP-SO-1009-9", "ERP-SO-1007-7")
    admin.service.update(draft, {"customer_user_id": None, "customer_user_email": None}, actor="test")
    page = admin.get(SEND + query([draft, posted])).get_data(as_text=True)
    assert outcomes(page)[draft] == ("not_sent", "Not sent: Its customer user has no email address, so it is not "
                                                 "sent (and a draft is not posted).")
    assert hidden_ids(page) == [posted] and "Send 1 invoice" in text_of(page)
    # sent anyway (a form of another moment): reported, still a draft
    done = admin.client.post(SEND, data={"invoice": [draft, posted], "form_token": "k1",
                                         "csrf_token": form_token(page)}).get_data(as_text=True)
    assert outcomes(done)[draft][0] == "not_sent" and outcomes(done)[posted][0] == "sent"
    assert "1 could not be sent." in text_of(done)
    assert not admin.service.get(draft).is_posted and outbox(shop, draft) == []


def test_one_invoice_that_cannot_be_posted_does_not_stop_the_others(shop, admin, monkeypatch):
    broken, fine = ids(admin, "ERP-SO-1006-6", "ERP-SO-1009-9")
    post = admin.service.post

    def refuse_one(invoice_id, **kwargs):
        if invoice_id == broken:
            raise ValidationError([("due_date", "Must not be before the invoice date.")])
        return post(invoice_id, **kwargs)
    monkeypatch.setattr(admin.service, "post", refuse_one)
    page = admin.get(SEND + query([broken, fine])).get_data(as_text=True)
    done = admin.client.post(SEND, data={"invoice": [broken, fine], "form_token": "k2",
                                         "csrf_token": form_token(page)}).get_data(as_text=True)
    assert outcomes(done)[broken] == ("not_sent", "Not sent: Due date: Must not be before the invoice date.")
    assert outcomes(done)[fine][0] == "sent" and admin.service.get(fine).is_posted
    assert not admin.service.get(broken).is_posted and outbox(shop, broken) == []


def test_nothing_ticked_or_too_many_or_a_bad_id_is_said(admin):
    nothing = admin.get(SEND + "?return=%3Fstatus%3Ddraft")
    assert nothing.status_code == 303 and nothing.headers["Location"].endswith("/admin/invoices?status=draft")
    grid = admin.get(nothing.headers["Location"]).get_data(as_text=True)
    assert "Select the invoices first: tick them in the grid's first column." in text_of(grid)
    too_many = admin.get(SEND + query(list(range(1, selected_invoices.MAX_SELECTED + 2))))
    assert too_many.status_code == 422 and "Select at most 100 invoices at once." in text_of(
        too_many.get_data(as_text=True))
    bad = admin.get(PDFS + "?invoice=abc")
    assert bad.status_code == 422 and "'abc' is not an invoice id." in text_of(bad.get_data(as_text=True))
    outside = admin.get(SEND + "?invoice=3&return=https://evil.example/")    # Back stays on the grid
    assert 'href="/admin/invoices"' in outside.get_data(as_text=True)


def test_a_return_holding_a_line_break_goes_back_to_the_grid_as_it_opens(admin):
    """A crafted ``return`` with CR/LF is no query of the grid: Back and the redirects go to the
    grid (it was a 500: a line break may not reach the Location header)."""
    crafted = "?status=draft\r\nSet-Cookie: x=1"
    nothing = admin.get(SEND + "?" + urlencode({"return": crafted}))
    assert nothing.status_code == 303 and nothing.headers["Location"] == "/admin/invoices"
    page = admin.get(SEND + query(ids(admin, "ERP-SO-1006-6"), back=crafted))
    assert page.status_code == 200 and 'href="/admin/invoices"' in page.get_data(as_text=True)
    saved = admin.submit("/admin/invoices", "/admin/invoices/columns",
                         {"columns": ["invoice_number"], "return": crafted})
    assert saved.status_code == 303 and saved.headers["Location"] == "/admin/invoices"


def test_delete_removes_the_ticked_drafts_and_keeps_the_posted_ones(admin):
    first, second, posted = ids(admin, "ERP-SO-1006-6", "ERP-SO-1009-9", "ERP-SO-1005-5")
    number = admin.service.get(posted).invoice_number
    page = admin.get(DELETE + query([first, second, posted], back="?status=draft")).get_data(as_text=True)
    rows = outcomes(page)
    assert rows[first] == ("ok", "Deleted") and rows[second] == ("ok", "Deleted")
    assert rows[posted] == ("not_deleted", "Kept: It is posted: only drafts are deleted.")
    assert hidden_ids(page) == [first, second] and "Delete 2 drafts" in text_of(page)
    assert "2 drafts and their line items will be removed. This cannot be undone." in text_of(page)
    assert admin.service.get(first)                                          # the page deleted nothing

    done = admin.client.post(DELETE, data={"invoice": [first, second, posted], "return": "?status=draft",
                                           "csrf_token": form_token(page)})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/invoices?status=draft")
    grid = text_of(admin.get(done.headers["Location"]).get_data(as_text=True))
    assert "2 drafts were deleted." in grid
    assert f"{number} was not deleted: It is posted: only drafts are deleted." in grid
    remaining = {i.id for i in admin.service.list_invoices({"organization_id": 1}, limit=100).items}
    assert first not in remaining and second not in remaining and posted in remaining


def test_download_pdfs_gives_the_stored_pdfs_of_the_ticked_posted_invoices(admin):
    posted, other, draft = ids(admin, "ERP-SO-1003-3", "ERP-SO-1008-8", "ERP-SO-1004-4")
    foreign = admin.service.find_id(external_id="ERP-SO-1011-11")
    resp = admin.get(PDFS + query([posted, other, draft, foreign]))
    assert resp.status_code == 200 and resp.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(resp.get_data()))
    expected = {f"invoice-{admin.service.get(i).invoice_number}.pdf": admin.service.get(i) for i in (posted, other)}
    assert sorted(archive.namelist()) == sorted(expected)                    # drafts have none; Sakura's is not here
    for name, doc in expected.items():
        stored = admin.service.open_pdf(doc.id)[1].read()
        assert archive.read(name) == stored


def test_download_pdfs_of_ticked_invoices_follows_the_grids_sort_oldest_first_without_one(admin):
    ticked = ids(admin, "ERP-SO-1003-3", "ERP-SO-1008-8", "ERP-SO-1005-5", "ERP-SO-1001-1")
    numbers = {admin.service.get(i).invoice_number: i for i in ticked}

    def archived(back: str) -> list[str]:
        resp = admin.get(PDFS + query(ticked, back=back))
        assert resp.status_code == 200 and resp.content_type == "application/zip"
        return [re.sub(r"^invoice-|\.pdf$", "", n) for n in zipfile.ZipFile(io.BytesIO(resp.get_data())).namelist()]

    assert len(numbers) == 4
    assert archived("?status=posted&sort=-invoice_number") == sorted(numbers, reverse=True)
    assert archived("?status=posted&sort=invoice_number") == sorted(numbers)
    assert archived("?status=posted") == sorted(numbers, key=numbers.__getitem__)      # no sort: oldest first
    refused = admin.get(PDFS + query(ticked, back="?sort=-total_amount"))
    assert refused.status_code == 422 and ("Choose one currency to sort by total: amounts in different currencies "
                                           "do not compare.") in text_of(refused.get_data(as_text=True))


def test_download_pdfs_of_drafts_only_goes_back_to_the_grid_saying_they_have_none(admin):
    drafts = ids(admin, "ERP-SO-1004-4")
    resp = admin.get(PDFS + query(drafts))
    assert resp.status_code == 303 and resp.content_type != "application/zip"
    assert resp.headers["Location"].endswith("/admin/invoices?status=posted")
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Drafts have no PDF: tick posted invoices or credit notes to download their PDFs." in text_of(page)


def test_each_action_needs_its_permission(shop):
    viewer = admin_with(shop)
    draft = viewer.service.find_id(external_id="ERP-SO-1004-4")
    grid = viewer.get("/admin/invoices").get_data(as_text=True)
    assert 'id="oi-selection-pdfs"' in grid
    assert 'id="oi-selection-send"' not in grid and 'id="oi-selection-delete"' not in grid
    token = form_token(grid)
    for url in (SEND + query([draft]), DELETE + query([draft])):
        assert viewer.get(url).status_code == 403, url
    for url in (SEND, DELETE):
        refused = viewer.client.post(url, data={"invoice": [draft], "form_token": "k", "csrf_token": token})
        assert refused.status_code == 403, url
    assert not viewer.service.get(draft).is_posted and viewer.service.get(draft)
    posted = viewer.service.find_id(external_id="ERP-SO-1003-3")
    assert viewer.get(PDFS + query([posted])).status_code == 200


def test_a_post_without_the_forms_token_changes_nothing(admin):
    draft = admin.service.find_id(external_id="ERP-SO-1004-4")
    for url in (SEND, DELETE):
        refused = admin.client.post(url, data={"invoice": [draft], "form_token": "k"})
        assert refused.status_code in (400, 403), url
    assert not admin.service.get(draft).is_posted


def test_send_to_customer_whose_jobs_cannot_be_queued_posts_and_sends_and_says_so(shop, admin, monkeypatch):
    """The host's job queue raises once each write committed: the draft is posted and both emails are
    queued all the same, and the page says, of each invoice, which job was not queued and that the
    sweeps do its work."""
    draft, posted = ids(admin, "ERP-SO-1004-4", "ERP-SO-1003-3")
    jobs = BrokenJobs()
    monkeypatch.setattr(admin.service.context, "jobs", jobs)
    monkeypatch.setattr(shop[0].extensions["oro_invoices"].mail, "jobs", jobs)
    page = admin.get(SEND + query([draft, posted])).get_data(as_text=True)
    done = admin.client.post(SEND, data={"invoice": [draft, posted], "form_token": "k3",
                                         "csrf_token": form_token(page)})

    assert done.status_code == 200
    result = done.get_data(as_text=True)
    assert outcomes(result)[draft][0] == outcomes(result)[posted][0] == "sent"
    number, other = admin.service.get(draft).invoice_number, admin.service.get(posted).invoice_number
    assert number and admin.service.get(draft).is_posted
    assert len(outbox(shop, draft)) == len(outbox(shop, posted)) == 1
    warned = [text_of(w) for w in re.findall(r'<div class="oi-flash oi-flash--warning" data-oi-follow-up>(.*?)</div>',
                                              result, re.S)]
    queued = ("but a background job that followed (oro_invoices.deliver_email) could not be handed to the job "
              "queue; the periodic mail sweep sends it, so there is nothing to do.")
    assert warned == [
        f"{number}: The invoice is posted, but its PDF could not be handed to the background jobs; the periodic "
        "PDF sweep makes it, so there is nothing to do.",
        f"{number}: The email is queued, {queued}",
        f"{other}: The email is queued, {queued}"]
    assert jobs.tried.count("oro_invoices.deliver_email") == 2
