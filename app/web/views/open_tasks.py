"""Administrators' Open tasks: every open task, filtered by holder, role, stage or overdue;
each with a link to its page, where an administrator reassigns it."""

from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _
from app.models.base import utcnow
from app.services.open_tasks import OpenTaskFilter, open_tasks, search_holders
from app.web import context
from app.web.context import say
from app.web.forms import describe_user
from app.web.views.base import CHOICES_MAX_PAGE, choices_answer

PAGE_SIZE = 50


class OpenTasksView(BaseView):
    route_base = "/open-tasks"
    class_permission_name = "OpenTasks"
    method_permission_name = {"index": "read", "holder_choices": "read"}
    base_permissions = ["can_read"]
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), CHOICES_MAX_PAGE)
        try:
            found, status = self._page(OpenTaskFilter.from_args(request.args), page), 200
        except ValidationError as exc:  # a filter no screen offers: the whole list, and why
            for messages in exc.errors.values():
                for message in messages:
                    say(str(message), "danger")
            found, status = self._page(OpenTaskFilter(), 1), 400
        page_args = {k: v for k, v in request.args.items() if k != "page"}
        page_html = self.render_template(
            "open_tasks/index.html", found=found, page_args=page_args, title=_("Open tasks")
        )
        return page_html, status

    def _page(self, task_filter: OpenTaskFilter, page: int):
        return open_tasks(
            context.session(), context.actor(), task_filter, utcnow(), page, PAGE_SIZE
        )

    @expose("/holder-choices")
    @has_access
    def holder_choices(self):
        """Matches for the holder filter, as the user types."""
        return choices_answer(search_holders, describe_user)
