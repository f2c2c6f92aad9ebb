"""Send to Customer confirmed twice at once (a double click, two admins): one request posts the
invoice; the other says it was posted already and opens the email dialog all the same."""
from __future__ import annotations

import threading

from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of


def test_two_confirmations_at_once_post_once_and_the_second_says_it_was_posted_already(shop):
    clients = [ShopClient(shop[0]) for _ in range(2)]
    for client in clients:
        client.login_admin()
    service = clients[0].service
    inv = service.find_id(external_id="ERP-SO-1004-4")                  # Carla's draft
    view = f"/admin/invoices/{inv}"
    tokens = [form_token(c.get(f"{view}?dialog=send-to-customer").get_data(as_text=True)) for c in clients]
    barrier, answers = threading.Barrier(2), []

    def confirm(client: ShopClient, token: str) -> None:
        barrier.wait()
        answers.append((client, client.client.post(f"{view}/send-to-customer",
                                                   data={"confirm": "1", "csrf_token": token})))
    threads = [threading.Thread(target=confirm, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    number = service.get(inv).invoice_number
    assert len(answers) == 2 and all(a.status_code == 303 and "dialog=email" in a.headers["Location"]
                                     for _, a in answers)
    pages = [client.get(a.headers["Location"]).get_data(as_text=True) for client, a in answers]
    assert all('id="oi-email-dialog"' in page for page in pages)
    said = sorted(("has been posted" if f"Invoice {number} has been posted." in text_of(page) else "")
                  + ("already" if f"Invoice {number} was already posted." in text_of(page) else "")
                  for page in pages)
    assert said == ["already", "has been posted"]


def test_a_confirmation_after_another_posted_the_invoice_says_it_was_posted_already(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1004-4")
    view = f"/admin/invoices/{inv}"
    dialog = admin.get(f"{view}?dialog=send-to-customer").get_data(as_text=True)   # read while a draft
    number = admin.service.post(inv, actor="another admin").invoice_number
    resp = admin.client.post(f"{view}/send-to-customer", data={"confirm": "1", "csrf_token": form_token(dialog)})
    assert resp.status_code == 303 and "dialog=email" in resp.headers["Location"]
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"Invoice {number} was already posted." in text_of(page)
    assert "has been posted" not in text_of(page) and 'id="oi-email-dialog"' in page
