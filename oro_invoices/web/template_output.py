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
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, Undefined
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.nodes import Expr, Getattr, Template

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
