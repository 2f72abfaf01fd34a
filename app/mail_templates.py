"""The mail templates, compiled once per process for each language, with their own words in
that language already: `_("Approve")` becomes the language's text and `_("... %(title)s",
title=title)` that text %-formatted with its values when the mail is rendered, as the templates'
gettext does (autoescaped in HTML). A mail then looks up none of the template's words again;
a `_` of anything but a literal is left to Flask-Babel's gettext.

Compiled per app (in its extensions) and per language: one language's words never reach
another's mail. With template auto-reload on (development) an edited template is compiled again.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale, get_translations
from jinja2 import Environment, Template, nodes
from jinja2.visitor import NodeTransformer

EXTENSION = "mail_templates"


def render_mail_template(name: str, context: dict) -> str:
    """The template `name` rendered in the current (forced) language."""
    return _compiled(name).render(context)


def _compiled(name: str) -> Template:
    compiled = current_app.extensions.setdefault(EXTENSION, {})
    key = (name, str(get_locale()))
    template = compiled.get(key)
    if template is None or (current_app.jinja_env.auto_reload and not template.is_up_to_date):
        template = compiled[key] = _compile(current_app.jinja_env, name, get_translations())
    return template


def _compile(env: Environment, name: str, translations) -> Template:
    source, filename, uptodate = env.loader.get_source(env, name)
    tree = _Translated(translations.ugettext).visit(env.parse(source, name, filename))
    tree.set_environment(env)
    code = env.compile(tree, name, filename)
    return env.template_class.from_code(env, code, env.make_globals(None), uptodate)


class _Translated(NodeTransformer):
    """Each `_("literal", key=value, ...)` as (the literal's translation) % {key: value, ...}."""

    def __init__(self, translate):
        self.translate = translate

    def visit_Call(self, node: nodes.Call) -> nodes.Node:  # noqa: N802 - the visitor's naming
        node = self.generic_visit(node)
        if not _is_gettext_of_literal(node):
            return node
        text = nodes.MarkSafeIfAutoescape(nodes.Const(self.translate(node.args[0].value)))
        values = nodes.Dict([nodes.Pair(nodes.Const(kw.key), kw.value) for kw in node.kwargs])
        return nodes.Mod(text, values).set_lineno(node.lineno)


def _is_gettext_of_literal(node: nodes.Call) -> bool:
    return (
        isinstance(node.node, nodes.Name)
        and node.node.name == "_"
        and len(node.args) == 1
        and isinstance(node.args[0], nodes.Const)
        and isinstance(node.args[0].value, str)
        and node.dyn_args is None
        and node.dyn_kwargs is None
    )
