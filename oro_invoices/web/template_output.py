"""Escaped template output written as text, without a ``Markup`` object per value.

In an autoescaping Jinja template every ``{{ value }}`` is passed through
``markupsafe.escape``, which returns a new ``Markup`` object; the template only joins
those pieces into the page, so each object is dropped at once. A grid page writes about a
thousand values, and making those objects was about a tenth of its work. The pages'
environments compile their templates with ``TextOutputGenerator`` instead, which escapes each
value with MarkupSafe's own escaping (the same characters) into a plain string; a value that is
already safe (``__html__``) is written as it is, as before. Only the statement that writes
output changes: filters, ``{% set %}`` blocks, macros and ``caller()`` keep their ``Markup``.

An attribute read (``{{ row.number }}``) is compiled to the builtin ``getattr`` with a default,
falling back to ``Environment.getattr`` (an item, then undefined) only when the attribute is
missing: the same result without a Python call per read. A sandboxed or async environment, or
one with its own ``getattr``, keeps Jinja's compilation.

The generator extends parts of Jinja's compiler that are not public, so ``use_text_output``
first checks that the installed Jinja compiles a probe page to the same text with it as
without it; if not, the environment keeps Jinja's own compilation (a warning says so): a
newer Jinja can make the pages slower, never different.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from jinja2 import Environment, StrictUndefined, Undefined
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.nodes import Expr, Getattr, Template

log = logging.getLogger("oro_invoices.web")

_escaped: Callable[[str], str]
try:  # MarkupSafe 3: the escaping that ``escape`` wraps in a Markup object (C, else Python)
    from markupsafe._speedups import _escape_inner as _escaped
except ImportError:  # pragma: no cover - depends on the installed MarkupSafe
    try:
        from markupsafe._native import _escape_inner as _escaped
    except ImportError:  # MarkupSafe 2, whose ``escape`` is itself in C
        from markupsafe import escape as _escaped


def escaped_text(value: Any) -> str:
    """``value`` as HTML text: escaped, unless it is safe already (has ``__html__``)."""
    if type(value) is str:
        return _escaped(value)
    if isinstance(value, Undefined):  # "{{ x if c }}" when not c: no __html__ to look for
        return _escaped(str(value))  # ("" for Undefined; StrictUndefined raises, as before)
    html = getattr(value, "__html__", None)
    if html is not None:
        text: str = html()
        return text
    return _escaped(str(value))


class TextOutputGenerator(CodeGenerator):
    """Jinja's code generator, writing an autoescaping template's output through
    ``escaped_text`` (set as an environment's ``code_generator_class``)."""

    def visit_Template(self, node: Template, frame: Frame | None = None) -> None:
        self.writeline(f"from {__name__} import escaped_text")
        super().visit_Template(node, frame)

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("escaped_text(")
        if finalize.src is not None:
            self.write(finalize.src)

    @optimizeconst
    def visit_Getattr(self, node: Getattr, frame: Frame) -> None:
        env = self.environment
        if env.is_async or env.sandboxed or type(env).getattr is not Environment.getattr:
            super().visit_Getattr.__wrapped__(self, node, frame)  # type: ignore[attr-defined]
            return
        # Names of this template's own; Jinja's generated code has no comprehensions or
        # lambdas, where an assignment expression would bind elsewhere.
        self._oi_names = n = getattr(self, "_oi_names", 0) + 1
        value, obj, attr = f"_oi_v{n}", f"_oi_o{n}", repr(node.attr)
        self.write(f"({value} if ({value} := getattr(({obj} := ")
        self.visit(node.node, frame)
        self.write(f"), {attr}, missing)) is not missing else environment.getattr({obj}, {attr}))")


#: A page using what ``TextOutputGenerator`` changes: output of every kind of value, in and out
#: of autoescaping, through macros, ``caller()``, ``{% set %}`` blocks and attribute reads.
_PROBE = """\
{% macro cell(v) %}<td title="{{ v }}">{{ v }}</td>{% endmacro %}
{% macro box() %}<div>{{ caller() }}</div>{% endmacro %}
{% set block %}<b>{{ text }}</b>{{ cell(text) }}{% endset %}
{{ text }}|{{ number }}|{{ nothing }}|{{ text | upper }}|{{ block }}|{{ row.real }}|{{ row.imag }}
{% call box() %}{{ text }}{% endcall %}{% autoescape false %}{{ text }}{% endautoescape %}
{% for v in values %}{{ loop.index }}:{{ v }};{% endfor %}[{{ "shown" if number }}][{{ "hidden" if nothing }}]
"""
_PROBE_VALUES: dict[str, Any] = {"text": "<a href='x'>\"&\"</a>", "number": 42, "nothing": None,
                                 "row": 3 + 4j, "values": ["a<b", 3.5]}


@functools.cache
def _compiles_alike() -> bool:
    """Whether the installed Jinja renders the probe page alike with ``TextOutputGenerator``
    and with its own code generator (checked once per process)."""
    pages = []
    try:
        for generator in (None, TextOutputGenerator):
            env = Environment(autoescape=True, undefined=StrictUndefined)
            if generator is not None:
                env.code_generator_class = generator
            pages.append(env.from_string(_PROBE).render(_PROBE_VALUES))
    except Exception as exc:  # whatever this Jinja's compiler does differently: do not use it
        log.warning("Templates keep Jinja's own compilation: the faster output does not compile "
                    "with this Jinja (%s: %s).", type(exc).__name__, exc)
        return False
    if pages[0] != pages[1]:
        log.warning("Templates keep Jinja's own compilation: with this Jinja the faster output "
                    "writes a page differently.")
        return False
    return True


def use_text_output(env: Environment) -> None:
    """Compile ``env``'s templates with ``TextOutputGenerator`` when the installed Jinja
    renders pages alike with it (else leave Jinja's own code generator)."""
    if _compiles_alike():
        env.code_generator_class = TextOutputGenerator
