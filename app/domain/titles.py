"""Task titles: templates with bare invoice field names, rendered in the reader's language."""

from __future__ import annotations

import string
from functools import lru_cache

_FORMATTER = string.Formatter()
TEMPLATES_KEPT = 1024  # a process has a few dozen task titles in its languages


def placeholders(template: str) -> list[str]:
    """Field names used by a template; raises ValueError for anything but bare names."""
    return list(_placeholders(template))


@lru_cache(maxsize=TEMPLATES_KEPT)
def _placeholders(template: str) -> tuple[str, ...]:
    # Read once per template: every row of My tasks and of a card's history renders a title.
    names = []
    for _literal, name, spec, conversion in _FORMATTER.parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{{{name}}} is not a bare field name")
        names.append(name)
    return tuple(names)


def render_title(templates: dict[str, str], values: dict, language: str | None) -> str:
    template = templates.get(language or "en") or templates.get("en") or ""
    try:
        names = _placeholders(template)
    except ValueError:
        return template
    return template.format_map({name: values.get(name, "") for name in names})
