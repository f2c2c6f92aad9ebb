"""The words of ``config_schema.yaml`` for the catalogs: a Babel extraction method.

``babel.cfg`` maps the schema to ``extract_schema``, so ``pybabel extract`` puts the settings
group's label and path and every setting's label, section, help and choice labels in the template, each
with a comment saying where the configuration page shows it. The msgids are the schema's
text as YAML reads it (a folded ``>-`` help is one line); the pages translate the same text
with ``oro_invoices.i18n.translate``.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

#: What a word is on the configuration page, by the key that holds it in a setting.
SETTING_WORDS = {"label": "the label of the setting {key}",
                 "section": "a section heading of the invoice settings",
                 "help": "the help text under the setting {key}"}

#: The tag of a scalar that loads as text (not a number or a boolean).
STR_TAG = "tag:yaml.org,2002:str"
#: (line, function name, message, comments) as Babel's extraction methods yield them.
Extracted = tuple[int, None, str, list[str]]


def extract_schema(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
                   options: Mapping[str, Any]) -> Iterator[Extracted]:
    """Every user-visible word of the settings schema in ``fileobj``, in file order."""
    root = yaml.compose(fileobj)
    if not isinstance(root, yaml.MappingNode):
        return
    top = _mapping(root)
    group = top.get("group")
    if isinstance(group, yaml.MappingNode):
        fields = _mapping(group)
        yield from _words(fields.get("label"), "Settings page: the heading of the invoice settings")
        path = fields.get("path")
        for part in path.value if isinstance(path, yaml.SequenceNode) else ():
            yield from _words(part, "Settings page: a step of the configuration menu path")
    settings = top.get("settings")
    for key_node, spec in settings.value if isinstance(settings, yaml.MappingNode) else ():
        if not isinstance(spec, yaml.MappingNode):
            continue
        fields = _mapping(spec)
        for name, where in SETTING_WORDS.items():
            yield from _words(fields.get(name), "Settings page: " + where.format(key=key_node.value))
        labels = fields.get("choice_labels")
        for choice, label in labels.value if isinstance(labels, yaml.MappingNode) else ():
            yield from _words(label, f"Settings page: the choice {choice.value!r} of the setting "
                                     f"{key_node.value}")


def _mapping(node: yaml.MappingNode) -> dict[str, yaml.Node]:
    return {str(key.value): value for key, value in node.value}


def _words(node: yaml.Node | None, comment: str) -> Iterator[Extracted]:
    if isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG and node.value.strip():
        yield node.start_mark.line + 1, None, node.value, [comment]
