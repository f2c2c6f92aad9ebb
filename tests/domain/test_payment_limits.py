"""What a capture may take: one rule for the Capture dialog, the check before the provider is asked
and the recording of its report."""
from oro_invoices.domain.payment_limits import capturable, open_authorization, over_limit, remaining
from oro_invoices.domain.statuses import TransactionFacts as T
from oro_invoices.domain.statuses import summarize

TOTAL = 23186


def test_a_payment_recorded_by_hand_settles_no_authorization():
    """201.86 paid by bank transfer, the 30.00 rest authorized: 30.00 is open and may be captured."""
    summary = summarize([T("charge", 20186, True), T("authorize", 3000, True)])
    assert open_authorization(summary) == 3000
    assert remaining("capture", TOTAL, summary) == 3000 and remaining("cancel", TOTAL, summary) == 3000
    assert remaining("authorize", TOTAL, summary) == 0          # the rest is held already
    assert capturable(3000, TOTAL, summary) == 3000
    assert over_limit("capture", 3000, successful=True, total=TOTAL, summary=summary, currency="USD") is None


def test_a_partial_capture_leaves_its_release_to_be_recorded():
    summary = summarize([T("charge", 31000, True), T("authorize", 60944, True), T("capture", 10000, True)])
    assert open_authorization(summary) == 50944
    assert over_limit("cancel", 50944, successful=True, total=91944, summary=summary, currency="EUR") is None


def test_capture_is_bounded_by_what_is_held_what_is_due_and_what_is_being_captured():
    summary = summarize([T("authorize", TOTAL, True)])
    assert capturable(TOTAL, TOTAL, summary) == TOTAL
    assert capturable(TOTAL, TOTAL - 10700, summary) == TOTAL - 10700     # a credit note took 107.00 off
    assert capturable(5000, TOTAL, summary) == 5000                     # this authorization holds 50.00
    assert capturable(TOTAL, TOTAL, summary, pending=20000) == TOTAL - 20000
    paid = summarize([T("authorize", TOTAL, True), T("charge", TOTAL, True)])   # paid another way meanwhile
    assert capturable(TOTAL, TOTAL, paid) == 0
