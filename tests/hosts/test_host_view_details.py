"""The invoice view page's details: notes edited and deleted by their author, sent emails
opened, Delete as a dialog, a re-submitted email dialog, human labels instead of codes."""
from __future__ import annotations

import re
from html import unescape

from support.view_page import dialog_notice

from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of

#: What a refusal adds when the text it shows again was cut to what the field holds.
CUT = " Only the first 10,000 characters are shown again: check where the text ends before sending it again."


def invoice_id(client: ShopClient, external_id: str) -> int:
    return client.service.find_id(external_id=external_id)


def notes_of(html: str) -> str:
    return html.split('id="notes"')[1].split('id="emails"')[0]


def activity_of(html: str) -> str:
    return text_of(html.split('id="activity"')[1])


def second_admin(shop) -> ShopClient:
    """Another admin of Northwind (same organization, every permission)."""
    shop[0].extensions["oro_reference_host"].records.add_admin(
        "second", "second1234", name="Sam Second", organization_id=1)
    other = ShopClient(shop[0])
    other.login_admin("second", "second1234")
    return other


def add_note(client: ShopClient, inv: int, body: str) -> int:
    page = f"/admin/invoices/{inv}"
    client.submit(page, f"{page}/notes", {"body": body})
    return next(n.id for n in client.service.notes(inv) if n.body == body)


def test_the_author_edits_a_note_and_the_activity_shows_old_and_new(admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}"
    note = add_note(admin, inv, "Call on Monday")
    html = admin.get(page).get_data(as_text=True)
    assert f'href="{page}?edit_note={note}#notes"' in notes_of(html)
    form = admin.get(f"{page}?edit_note={note}").get_data(as_text=True)
    assert re.search(rf'<textarea id="oi-note-edit-{note}" name="body"[^>]*>Call on Monday</textarea>', form)
    resp = admin.submit(f"{page}?edit_note={note}", f"{page}/notes/{note}", {"body": "Call on Tuesday"})
    assert resp.status_code == 303
    after = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Note saved." in text_of(after)
    assert "Call on Tuesday" in text_of(notes_of(after)) and "Call on Monday" not in text_of(notes_of(after))
    assert "edited" in text_of(notes_of(after))
    assert "Note edited: “Call on Monday” → “Call on Tuesday”" in activity_of(after)
    empty = admin.submit(page, f"{page}/notes/{note}", {"body": "  "})
    assert empty.status_code == 422 and "The note is empty" in text_of(empty.get_data(as_text=True))
    assert [n.body for n in admin.service.notes(inv) if n.id == note] == ["Call on Tuesday"]


def note_forms(html: str) -> dict[str, dict[str, str]]:
    """The notes' forms (Add note, and the edit form when open), by action: each one's one-time key,
    the text in it and the problem beside it."""
    forms = {}
    for action, form in re.findall(r'<form method="post" action="([^"]*/notes(?:/\d+)?)"[^>]*>(.*?)</form>',
                                   notes_of(html), re.S):
        error = re.search(r'data-oi-error="body">(.*?)</span>', form, re.S)
        forms[action] = {"form_token": re.search(r'name="form_token" value="([^"]+)"', form).group(1),
                         "body": unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", form, re.S).group(1)),
                         "error": text_of(error.group(1)) if error else ""}
    return forms


def test_a_refused_note_is_shown_again_as_typed_and_a_form_sent_twice_adds_one_note(admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}"
    before = admin.service.notes(inv)
    long = "Called the customer. " * 477 + "x" * 4             # 10,021 characters
    shown = admin.get(page).get_data(as_text=True)
    add = note_forms(shown)[f"{page}/notes"]
    refused = admin.client.post(f"{page}/notes", data={"body": long, "form_token": add["form_token"],
                                                       "csrf_token": form_token(shown)})
    assert refused.status_code == 422
    again = note_forms(refused.get_data(as_text=True))[f"{page}/notes"]
    assert again == {"form_token": add["form_token"], "body": long[:10_000],           # what the field holds
                     "error": "Write the note's text (up to 10,000 characters)." + CUT}
    assert 'aria-invalid="true"' in notes_of(refused.get_data(as_text=True))
    assert admin.service.notes(inv) == before

    # shortened and sent, then the same form sent again (Back, a double click): one note
    fields = {"body": long[:9000], "form_token": add["form_token"], "csrf_token": form_token(shown)}
    assert admin.client.post(f"{page}/notes", data=fields).status_code == 303
    twice = admin.client.post(f"{page}/notes", data=fields, follow_redirects=True)
    assert "This note was added before; it was not added again." in text_of(twice.get_data(as_text=True))
    assert [n.body for n in admin.service.notes(inv)] == [long[:9000].strip()] + [n.body for n in before]
    # a new page brings a new form: another note is added
    fresh = admin.get(page).get_data(as_text=True)
    assert note_forms(fresh)[f"{page}/notes"]["form_token"] != add["form_token"]
    admin.submit(page, f"{page}/notes", {"body": "Second call", "form_token": note_forms(fresh)[f"{page}/notes"]["form_token"]})
    assert len(admin.service.notes(inv)) == len(before) + 2


def test_a_refused_edit_is_shown_again_as_typed_and_an_edit_form_saves_once(admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}"
    note = add_note(admin, inv, "Call on Monday")
    shown = admin.get(f"{page}?edit_note={note}").get_data(as_text=True)
    edit = note_forms(shown)[f"{page}/notes/{note}"]
    assert edit["body"] == "Call on Monday" and edit["form_token"] != note_forms(shown)[f"{page}/notes"]["form_token"]
    long = "y" * 10_001
    refused = admin.client.post(f"{page}/notes/{note}", data={"body": long, "form_token": edit["form_token"],
                                                               "csrf_token": form_token(shown)})
    assert refused.status_code == 422
    forms = note_forms(refused.get_data(as_text=True))
    assert forms[f"{page}/notes/{note}"] == {"form_token": edit["form_token"], "body": long[:10_000],
                                             "error": "Write the note's text (up to 10,000 characters)." + CUT}
    assert forms[f"{page}/notes"]["body"] == "" and forms[f"{page}/notes"]["error"] == ""
    assert [n.body for n in admin.service.notes(inv) if n.id == note] == ["Call on Monday"]

    fields = {"body": "Call on Tuesday", "form_token": edit["form_token"], "csrf_token": form_token(shown)}
    assert admin.client.post(f"{page}/notes/{note}", data=fields).status_code == 303
    later = note_forms(admin.get(f"{page}?edit_note={note}").get_data(as_text=True))[f"{page}/notes/{note}"]
    admin.submit(page, f"{page}/notes/{note}", {"body": "Call on Wednesday", "form_token": later["form_token"]})
    # the first edit form sent again (Back) does not undo the later change
    replay = admin.client.post(f"{page}/notes/{note}", data=fields, follow_redirects=True)
    assert "This change to the note was saved before; it was not saved again." in text_of(replay.get_data(as_text=True))
    assert [n.body for n in admin.service.notes(inv) if n.id == note] == ["Call on Wednesday"]


def test_the_author_deletes_a_note(admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}"
    note = add_note(admin, inv, "Wrong invoice, ignore")
    resp = admin.submit(page, f"{page}/notes/{note}/delete", {})
    after = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Note deleted." in text_of(after)
    assert "Wrong invoice, ignore" not in text_of(notes_of(after))
    assert "Note deleted: “Wrong invoice, ignore”" in activity_of(after)
    again = admin.submit(page, f"{page}/notes/{note}/delete", {})
    assert again.status_code == 404


def test_another_admin_sees_no_controls_and_is_refused(shop, admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}"
    note = add_note(admin, inv, "Only Alex may change this")
    other = second_admin(shop)
    html = other.get(page).get_data(as_text=True)
    assert "Only Alex may change this" in notes_of(html)
    assert f"/notes/{note}" not in html and "edit_note=" not in html
    assert f'id="oi-note-edit-{note}"' not in other.get(f"{page}?edit_note={note}").get_data(as_text=True)
    edit = other.submit(page, f"{page}/notes/{note}", {"body": "Changed by Sam"})
    assert edit.status_code == 403
    assert "Only the author of a note can change or delete it." in text_of(edit.get_data(as_text=True))
    delete = other.submit(page, f"{page}/notes/{note}/delete", {})
    assert delete.status_code == 403
    assert [n.body for n in admin.service.notes(inv) if n.id == note] == ["Only Alex may change this"]


def test_a_note_is_not_reached_through_another_invoice_or_organization(shop, admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    other_inv = invoice_id(admin, "ERP-SO-1001-1")
    note = add_note(admin, inv, "Belongs to one invoice")
    # the note's id under another invoice of the same organization: not found
    wrong = admin.submit(f"/admin/invoices/{other_inv}", f"/admin/invoices/{other_inv}/notes/{note}",
                         {"body": "moved?"})
    assert wrong.status_code == 404
    # Sakura's admin cannot reach Northwind's invoice at all
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    own = invoice_id(sakura, "ERP-SO-1011-11")
    token = form_token(sakura.get(f"/admin/invoices/{own}").get_data(as_text=True))
    resp = sakura.client.post(f"/admin/invoices/{inv}/notes/{note}/delete", data={"csrf_token": token})
    assert resp.status_code == 404
    assert [n.body for n in admin.service.notes(inv) if n.id == note] == ["Belongs to one invoice"]


def send_from_dialog(admin: ShopClient, inv: int, **extra: str):
    view = f"/admin/invoices/{inv}"
    dialog = admin.get(f"{view}?dialog=email&to_customer=1").get_data(as_text=True)
    fields = {name: unescape(value) for name, value in
              re.findall(r'<input type="(?:text|hidden)" (?:id="[^"]*" )?name="([a-z_]+)" value="([^"]*)"', dialog)}
    body = unescape(re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>', dialog, re.S).group(1))
    data = {"to": fields["to"], "subject": fields["subject"], "body": body, "template": fields["template"],
            "attach_pdf": "1", "to_customer": "1", "form_token": fields["form_token"],
            "csrf_token": fields["csrf_token"], **extra}
    return dialog, data, admin.client.post(f"{view}/email", data=data)


def test_a_sent_email_opens_with_headers_bodies_and_the_attachment(shop, admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    doc = admin.service.get(inv)
    _dialog, data, sent = send_from_dialog(admin, inv)
    assert sent.status_code == 303
    view = admin.get(f"/admin/invoices/{inv}").get_data(as_text=True)
    email = shop[0].extensions["oro_invoices"].mail.emails(inv)[0]
    link = f"/admin/invoices/{inv}/emails/{email.id}"
    assert f'href="{link}"' in view
    page = admin.get(link).get_data(as_text=True)
    headers = text_of(page.split('id="oi-email-header-list"')[1].split("</dl>")[0])
    assert "From Northwind Supply GmbH <" in headers
    assert "Reply-To billing@northwind.example" in headers
    assert f"To {data['to']}" in headers and f"Subject {data['subject']}" in headers
    assert "Queued" in headers or "Sent" in headers
    # the HTML body in a sandboxed frame (no scripts), the text as text
    frame = re.search(r'<iframe [^>]*id="oi-email-html-body"[^>]*>', page).group(0)
    assert " sandbox " in frame and "allow-scripts" not in frame
    assert doc.invoice_number in unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert data["body"].strip()[:40] in unescape(page.split('id="oi-email-text-body"')[1])
    # the attachment downloads as the stored PDF
    pdf_link = f"{link}/attachments/1"
    assert f'href="{pdf_link}"' in page and f"invoice-{doc.invoice_number}.pdf" in text_of(page)
    pdf = admin.get(pdf_link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and len(pdf.data) == doc.pdf.size
    assert admin.get(f"{link}/attachments/2").status_code == 404


def test_a_scripted_email_body_is_inert(shop, admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    _dialog, _data, sent = send_from_dialog(
        admin, inv, body='Hello <script>alert(1)</script><img src=x onerror="alert(2)">', template="")
    assert sent.status_code == 303
    email = shop[0].extensions["oro_invoices"].mail.emails(inv)[0]
    page = admin.get(f"/admin/invoices/{inv}/emails/{email.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and '<img src=x onerror' not in page


def test_an_email_of_another_invoice_or_organization_is_not_shown(shop, admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    other_inv = invoice_id(admin, "ERP-SO-1001-1")
    send_from_dialog(admin, inv)
    email = shop[0].extensions["oro_invoices"].mail.emails(inv)[0]
    assert admin.get(f"/admin/invoices/{other_inv}/emails/{email.id}").status_code == 404
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    assert sakura.get(f"/admin/invoices/{inv}/emails/{email.id}").status_code == 404
    assert sakura.get(f"/admin/invoices/{inv}/emails/{email.id}/attachments/1").status_code == 404


def test_a_resubmitted_email_dialog_sends_nothing_twice(shop, admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    _dialog, data, first = send_from_dialog(admin, inv)
    assert first.status_code == 303
    # Back to the cached dialog, Send again: the same form
    again = admin.client.post(f"/admin/invoices/{inv}/email", data=data)
    assert again.status_code == 303 and again.headers["Location"].endswith("#emails")
    page = text_of(admin.get(again.headers["Location"]).get_data(as_text=True))
    assert f"This email was already sent to {data['to']}" in page and "it was not sent again" in page
    assert len(shop[0].extensions["oro_invoices"].mail.emails(inv)) == 1
    # a freshly opened dialog warns that the same email went out already
    reopened = admin.get(f"/admin/invoices/{inv}?dialog=email&to_customer=1").get_data(as_text=True)
    warning = text_of(reopened.split('id="oi-email-sent-before"')[1].split("</div>")[0])
    assert f"already sent to {data['to']}" in warning and "second email" in warning


def test_delete_is_a_dialog_over_the_invoice(admin):
    inv = invoice_id(admin, "ERP-SO-1006-6")
    view = f"/admin/invoices/{inv}"
    page = admin.get(view).get_data(as_text=True)
    assert f'href="{view}?dialog=delete"' in page
    grid = admin.get("/admin/invoices?status=draft").get_data(as_text=True)
    assert f'href="{view}?dialog=delete"' in grid
    dialog = admin.get(f"{view}?dialog=delete").get_data(as_text=True)
    assert 'id="oi-delete-dialog"' in dialog and 'id="oi-invoice-view"' in dialog  # over the page
    assert "Are you sure you want to delete invoice Draft #" in text_of(dialog)
    assert not re.search(r'<form[^>]*action="[^"]*/delete"', page)  # nothing to submit before the dialog
    resp = admin.submit(f"{view}?dialog=delete", f"{view}/delete", {})
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/invoices"
    assert admin.get(view).status_code == 404


def test_no_delete_dialog_for_a_posted_invoice(admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    resp = admin.get(f"/admin/invoices/{inv}?dialog=delete")
    assert resp.status_code == 200 and 'id="oi-delete-dialog"' not in resp.get_data(as_text=True)
    number = admin.service.get(inv).invoice_number
    assert dialog_notice(resp) == f"Invoice {number} is posted and cannot be deleted."


def test_a_link_to_send_a_draft_that_was_posted_since_opens_the_email_to_the_customer(admin):
    inv = invoice_id(admin, "ERP-SO-1006-6")
    link = f"/admin/invoices/{inv}?dialog=send-to-customer"
    admin.service.post(inv, actor="someone else")
    page = admin.get(link).get_data(as_text=True)
    assert 'id="oi-email-dialog"' in page and "Once posted" not in text_of(page)
    assert re.search(r'name="to" value="[^"]+@', page)                  # addressed to the customer
    assert 'name="to_customer" value="1"' in page


def test_a_viewer_is_told_their_role_may_not_send_or_delete(shop):
    shop[0].extensions["oro_reference_host"].records.add_admin(
        "viewer", "viewer1234", name="Val Viewer", organization_id=1, permissions={"oro_invoices.view"})
    viewer = ShopClient(shop[0])
    viewer.login_admin("viewer", "viewer1234")
    posted, draft = invoice_id(viewer, "ERP-SO-1003-3"), invoice_id(viewer, "ERP-SO-1006-6")
    for url, reason in ((f"/admin/invoices/{posted}?dialog=email&to_customer=1", "Your role may not send invoices."),
                        (f"/admin/invoices/{draft}?dialog=send-to-customer", "Your role may not send invoices."),
                        (f"/admin/invoices/{draft}?dialog=delete", "Your role may not delete invoices.")):
        resp = viewer.get(url)
        assert resp.status_code == 200 and 'role="dialog"' not in resp.get_data(as_text=True), url
        assert dialog_notice(resp) == reason, url


def test_a_dialog_name_the_page_does_not_know_is_ignored(admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    resp = admin.get(f"/admin/invoices/{inv}?dialog=bogus&transaction=abc")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'role="dialog"' not in html and 'id="oi-dialog-notice"' not in html


def test_changed_fields_are_named_in_words(admin):
    inv = invoice_id(admin, "ERP-SO-1006-6")
    admin.service.update(inv, {"due_date": "2031-01-31", "external_id": "ERP-SO-1006-6b"}, actor="ERP")
    activity = activity_of(admin.get(f"/admin/invoices/{inv}").get_data(as_text=True))
    assert "Changed due date and external ID" in activity or "Changed external ID and due date" in activity
    assert "due_date" not in activity and "external_id" not in activity


def test_the_pdfs_size_in_the_activity_is_written_in_the_readers_number_format(admin):
    posted = invoice_id(admin, "ERP-SO-1003-3")
    size = admin.service.get(posted).pdf.size
    german = activity_of(admin.get(f"/admin/invoices/{posted}", headers={"Accept-Language": "de"})
                         .get_data(as_text=True))
    assert f"PDF erstellt ({size / 1024:.1f} KB)".replace(".", ",") in german
    english = activity_of(admin.get(f"/admin/invoices/{posted}").get_data(as_text=True))
    assert f"PDF generated ({size / 1024:.1f} KB)" in english
