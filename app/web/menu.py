"""The menu bar's entries, rendered once per set of entries a user may see and language.

FAB's menu template asks the security manager about every entry on every page; the answer
depends only on the menu entries the user's roles open (already kept per process by the
security manager) and on the reader's language. So the rendered entries are kept in the app
(`app.extensions`), keyed by exactly that; a role edit changes the key. Only the open task
count next to "My tasks" is the user's own: it is put in on each page.
"""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from markupsafe import Markup, escape

from app.web.templating import open_task_count

BADGE_MARK = "<!--open-task-count-->"
_KEPT = "invoiceflow.menu_entries"
MAX_KEPT = 500  # sets of entries x languages; the bound keeps memory flat


def menu_entries() -> Markup:
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return Markup(_rendered().replace(BADGE_MARK, ""))  # noqa: S704 - our template
    kept = current_app.extensions.setdefault(_KEPT, {})
    visible = current_app.appbuilder.sm.get_user_menu_access()
    key = (frozenset(visible), str(get_locale()), request.script_root)
    html = kept.get(key)
    if html is None:
        if len(kept) >= MAX_KEPT:
            kept.clear()
        html = kept[key] = _rendered()
    return Markup(html.replace(BADGE_MARK, _badge()))  # noqa: S704 - our template, a number


def _rendered() -> str:
    appbuilder = current_app.appbuilder
    return render_template(
        "appbuilder/navbar_menu_items.html",
        appbuilder=appbuilder,
        menu=appbuilder.menu,
        open_task_badge_mark=Markup(BADGE_MARK),  # noqa: S704 - a constant
    )


def _badge() -> str:
    count = open_task_count()
    if not count:
        return ""
    return f'\n      <span class="badge" data-test="open-task-count">{escape(count)}</span>'


def register(app) -> None:
    app.jinja_env.globals["menu_entries"] = menu_entries
