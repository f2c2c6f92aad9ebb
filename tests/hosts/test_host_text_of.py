"""``text_of`` reads a page as a browser lays it out: inline elements continue the line, other
elements separate the words around them."""
from __future__ import annotations

from oro_invoices.hosts.reference.testing import text_of


def test_inline_markup_adds_no_space():
    assert text_of("<p><strong>続行</strong>をクリックしてください。</p>") == "続行をクリックしてください。"
    assert text_of('<p>Invoice <a href="/x">INV-1</a>, <em>due</em><span>.</span></p>') == "Invoice INV-1, due."
    assert text_of("<p>A<b>B</b><i>C</i><code>D</code></p>") == "ABCD"


def test_block_elements_and_line_breaks_separate_words():
    assert text_of("<table><tr><td>Total</td><td>€1.00</td></tr></table>") == "Total €1.00"
    assert text_of("<div>one</div><div>two</div><p>three<br>four</p><li>five</li>") == "one two three four five"


def test_scripts_styles_comments_and_entities():
    assert text_of("<style>p{}</style><p>a&amp;b<!-- hidden --></p><script>var x;</script>") == "a&b"
    assert text_of("<p>  lots \n of   space </p>") == "lots of space"
