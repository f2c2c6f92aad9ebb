"""Which of a customer's open invoices a payment naming none is suggested, by their amounts due:
the oldest due first when they add up to it, else the one set of two to four that does."""
from __future__ import annotations

import pytest

from oro_invoices.services.bank_matching import SET_MAX, adding_up

OWING = [(1, 100), (2, 250), (3, 400), (4, 75)]          # oldest due first


@pytest.mark.parametrize("amount, chosen", [
    (350, (1, 2)),              # the two oldest
    (750, (1, 2, 3)),           # the three oldest
    (500, (1, 3)),              # not the oldest: the one set adding up
    (725, (2, 3, 4)),
    (825, (1, 2, 3, 4)),        # all four, the oldest first
    (100, ()),                  # one invoice alone is the single suggestion's, not a set's
    (999, ()),                  # nothing adds up
])
def test_the_invoices_adding_up_to_a_payment(amount, chosen):
    assert adding_up(OWING, amount) == chosen


def test_several_sets_adding_up_suggest_none():
    assert adding_up([(1, 10), (2, 20), (3, 30), (4, 40)], 50) == ()     # 10 + 40 and 20 + 30


def test_a_set_holds_at_most_set_max_invoices_besides_the_oldest():
    owing = [(n, 1 if n == 1 else 10) for n in range(1, 8)]              # 1, then 10s
    assert adding_up(owing, 1 + 10 * SET_MAX) == tuple(range(1, SET_MAX + 2))   # the oldest first, any count
    later = [(1, 7)] + [(n, 10) for n in range(2, SET_MAX + 3)]          # 7, then 10s
    assert adding_up(later, 10 * (SET_MAX + 1)) == ()                     # the 10s: too many for a set
