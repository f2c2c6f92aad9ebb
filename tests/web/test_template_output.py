"""Pages compiled with ``TextOutputGenerator`` read exactly as Jinja's own compilation writes them."""
from __future__ import annotations

import jinja2
import pytest
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from oro_invoices.web import template_output
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


class Row:
    """An object whose attributes a template reads, one of them failing as a missing one does."""

    __slots__ = ("number",)

    def __init__(self) -> None:
        self.number = "INV-1"

    @property
    def broken(self) -> str:
        raise AttributeError("broken")

    def __getitem__(self, name: str) -> str:
        return f"item {name}"


ATTRIBUTES = """\
{{ row.number }}|{{ row.broken }}|{{ row.other }}|{{ mapping.key }}|{{ mapping.items is defined }}|\
{{ mapping.absent is defined }}|{{ rows[0].number }}|{{ nested.a.b }}|{% set n = row.number %}{{ n }}\
{% macro m(r) %}{{ r.number }}{% endmacro %}|{{ m(row) }}|{% for r in rows %}{{ r.number }}{% endfor %}
"""


@pytest.mark.parametrize("undefined", [jinja2.Undefined, jinja2.ChainableUndefined])
def test_attributes_are_read_as_jinja_reads_them(undefined: type[jinja2.Undefined]):
    """An attribute first, then an item, then undefined: the fast path of the attribute
    read changes none of it."""
    values = {"row": Row(), "rows": [Row()], "mapping": {"key": "value"}, "nested": {"a": {"b": "deep"}}}
    plain = jinja2.Environment(autoescape=True, undefined=undefined)
    fast = jinja2.Environment(autoescape=True, undefined=undefined)
    fast.code_generator_class = TextOutputGenerator
    expected = plain.from_string(ATTRIBUTES).render(values)
    assert fast.from_string(ATTRIBUTES).render(values) == expected
    assert expected.startswith("INV-1|item broken|item other|value|True|False|INV-1|deep|INV-1|INV-1|INV-1")


def test_a_sandbox_keeps_its_own_attribute_checks():
    from jinja2.sandbox import SandboxedEnvironment
    env = SandboxedEnvironment(autoescape=True)
    env.code_generator_class = TextOutputGenerator
    # an unsafe attribute reads as undefined, as it does in Jinja's own sandbox compilation
    assert env.from_string("[{{ f.__globals__ }}]").render(f=test_a_sandbox_keeps_its_own_attribute_checks) == "[]"


def test_an_undefined_value_still_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        environment(True).from_string("{{ missing }}").render()


@pytest.fixture
def fresh_check():
    """``use_text_output``'s check of the installed Jinja, made again for the test and after it."""
    template_output._compiles_alike.cache_clear()
    yield
    template_output._compiles_alike.cache_clear()


def test_use_text_output_compiles_with_the_generator_when_this_jinja_agrees(fresh_check):
    env = jinja2.Environment(autoescape=True)
    template_output.use_text_output(env)
    assert env.code_generator_class is TextOutputGenerator


def test_a_jinja_whose_pages_would_read_differently_keeps_its_own_compilation(fresh_check, monkeypatch, caplog):
    monkeypatch.setattr(template_output, "escaped_text", lambda value: str(value).upper())
    env = jinja2.Environment(autoescape=True)
    template_output.use_text_output(env)
    assert env.code_generator_class is CodeGenerator
    assert env.from_string("{{ v }}").render(v="<b>") == "&lt;b&gt;"
    assert "writes a page differently" in caplog.text


def test_a_jinja_whose_compiler_it_does_not_fit_keeps_its_own_compilation(fresh_check, monkeypatch, caplog):
    def unknown(self, node, frame=None):
        raise AttributeError("'CodeGenerator' has no attribute '_output_child_pre'")
    monkeypatch.setattr(TextOutputGenerator, "visit_Template", unknown)
    env = jinja2.Environment(autoescape=True)
    template_output.use_text_output(env)
    assert env.code_generator_class is CodeGenerator
    assert "does not compile with this Jinja (AttributeError" in caplog.text
