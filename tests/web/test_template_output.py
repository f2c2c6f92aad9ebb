"""Pages compiled with ``TextOutputGenerator`` read exactly as Jinja's own compilation writes them."""
from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup

from oro_invoices.web.template_output import TextOutputGenerator, escaped_text

TEMPLATE = """\
{% macro cell(v) %}<td title="{{ v }}">{{ v }}</td>{% endmacro %}
{% macro box() %}<div>{{ caller() }}</div>{% endmacro %}
{% set block %}<b>{{ text }}</b>{{ cell(text) }}{% endset %}
{{ text }}|{{ safe }}|{{ number }}|{{ nothing }}|{{ html_object }}|{{ text | upper }}|{{ text ~ safe }}
{{ cell(text) }}|{{ block }}|{{ block | length }}
{% call box() %}{{ text }}{{ safe }}{% endcall %}
{% autoescape false %}{{ text }}{% endautoescape %}|{{ "<const & 'quoted'>" }}
{% for v in values %}{{ loop.index }}:{{ v }};{% endfor %}
[{{ "shown" if number }}][{{ "hidden" if nothing }}][{{ safe if not number }}]
"""


class Html:
    def __html__(self) -> str:
        return "<i>already safe</i>"


VALUES = {"text": "<script>alert('x & \"y\"')</script>", "safe": Markup("<em>safe</em>"), "number": 42,
          "nothing": None, "html_object": Html(), "values": ["a<b", Markup("<br>"), 3.5, "é & ü"]}


def environment(text_output: bool) -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    if text_output:
        env.code_generator_class = TextOutputGenerator
    return env


def test_a_page_reads_as_jinja_writes_it():
    expected = environment(False).from_string(TEMPLATE).render(VALUES)
    assert environment(True).from_string(TEMPLATE).render(VALUES) == expected
    assert "&lt;script&gt;alert(&#39;x &amp; &#34;y&#34;&#39;)&lt;/script&gt;" in expected
    assert "<script>" in expected  # the {% autoescape false %} block writes it as it is


def test_escaped_text_escapes_what_is_not_safe_and_keeps_what_is():
    assert escaped_text("<a href='x'>&</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
    assert escaped_text(Markup("<b>ok</b>")) == "<b>ok</b>"
    assert escaped_text(Html()) == "<i>already safe</i>"
    assert escaped_text(7) == "7" and escaped_text(None) == "None"


def test_an_undefined_value_still_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        environment(True).from_string("{{ missing }}").render()
