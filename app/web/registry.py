"""Views and APIs registered on each application's AppBuilder."""

from app.i18n import _
from app.web.api import openapi
from app.web.api.audit import AuditEventApi
from app.web.api.counterparties import CounterpartyApi
from app.web.api.delegations import DelegationApi
from app.web.api.discussion import DiscussionApi
from app.web.api.invoices import InvoiceApi
from app.web.api.payments import PaymentsApi
from app.web.api.tasks import InvoiceActionApi, TaskApi
from app.web.api.version_moves import VersionMoveApi
from app.web.api.webhooks import WebhookApi
from app.web.views import mail_actions
from app.web.views.account import SecondFactorView, SignInRulesView
from app.web.views.audit import AuditSearchView, DossierView
from app.web.views.counterparties import CounterpartyView
from app.web.views.directories import CostCentreView, DepartmentView
from app.web.views.discussion import DiscussionView
from app.web.views.files import AttachmentView
from app.web.views.incidents import IncidentView
from app.web.views.invoices import InvoiceView
from app.web.views.notifications import DevMailView, NotificationView, OutboxView
from app.web.views.open_tasks import OpenTasksView
from app.web.views.out_of_office import OutOfOfficeView
from app.web.views.payments import PaymentsView
from app.web.views.process import DiagramView, ProcessView
from app.web.views.running_changes import RunningChangesView
from app.web.views.sign_in import SecondFactorSignInView
from app.web.views.tasks import TaskView
from app.web.views.time_zone import TimeZoneView
from app.web.views.version_move import VersionMoveView
from app.web.views.wait_report import WaitReportView
from app.web.views.webhooks import WebhooksView


def register(appbuilder) -> None:
    appbuilder.add_view(
        InvoiceView,
        "Invoices",
        label=_("Invoices"),
        icon="fa-file-text-o",
        category="Invoices",
        category_label=_("Invoices"),
    )
    appbuilder.add_view(
        CounterpartyView,
        "Counterparties",
        label=_("Counterparties"),
        icon="fa-building",
        category="Invoices",
    )
    appbuilder.add_view(
        PaymentsView,
        "Export for payment",
        label=_("Export for payment"),
        icon="fa-university",
        category="Invoices",
    )
    appbuilder.add_link(
        "Bank statements",
        label=_("Bank statements"),
        href="/payments/statements",
        icon="fa-exchange",
        category="Invoices",
    )
    appbuilder.add_view(TaskView, "My tasks", label=_("My tasks"), icon="fa-check-square-o")
    appbuilder.add_view(ProcessView, "Process", label=_("Process"), icon="fa-sitemap")
    appbuilder.add_view(  # the heatmap is reached from a version's page
        WaitReportView, "Cycle time", label=_("Cycle time"), icon="fa-hourglass-half"
    )
    appbuilder.add_view_no_menu(DiagramView)
    appbuilder.add_view_no_menu(AttachmentView)
    appbuilder.add_view_no_menu(DiscussionView)
    appbuilder.add_view_no_menu(NotificationView)
    appbuilder.add_view_no_menu(RunningChangesView)
    appbuilder.add_view_no_menu(VersionMoveView)
    appbuilder.add_view(
        OutboxView,
        "Outgoing e-mail",
        label=_("Outgoing e-mail"),
        icon="fa-envelope",
        category="Mail",
        category_label=_("Mail"),
    )
    appbuilder.add_view(
        DevMailView, "Mail folder", label=_("Mail folder"), icon="fa-folder", category="Mail"
    )
    appbuilder.add_view(
        IncidentView,
        "Incidents",
        label=_("Incidents"),
        icon="fa-exclamation-triangle",
    )
    appbuilder.add_view(
        OpenTasksView,
        "Open tasks",
        label=_("Open tasks"),
        icon="fa-tasks",
        category="Administration",
        category_label=_("Administration"),
    )
    appbuilder.add_view(
        AuditSearchView,
        "Audit trail",
        label=_("Audit trail"),
        icon="fa-search",
        category="Administration",
    )
    appbuilder.add_view(
        DepartmentView,
        "Departments",
        label=_("Departments"),
        icon="fa-users",
        category="Administration",
    )
    appbuilder.add_view(
        CostCentreView,
        "Cost centres",
        label=_("Cost centres"),
        icon="fa-money",
        category="Administration",
    )
    appbuilder.add_view(
        WebhooksView,
        "Webhooks",
        label=_("Webhooks"),
        icon="fa-plug",
        category="Administration",
    )
    appbuilder.add_view_no_menu(DossierView)
    appbuilder.add_view_no_menu(SecondFactorSignInView)
    appbuilder.add_view_no_menu(SecondFactorView)
    appbuilder.add_view_no_menu(TimeZoneView)
    appbuilder.add_view_no_menu(OutOfOfficeView)
    mail_actions.register(appbuilder)  # the pages behind a task e-mail's decision links
    appbuilder.add_view(
        SignInRulesView,
        "Sign-in rules",
        label=_("Sign-in rules"),
        icon="fa-shield",
        category="Security",
    )
    appbuilder.add_api(InvoiceApi)
    appbuilder.add_api(CounterpartyApi)
    appbuilder.add_api(TaskApi)
    appbuilder.add_api(InvoiceActionApi)
    appbuilder.add_api(DiscussionApi)
    appbuilder.add_api(DelegationApi)
    appbuilder.add_api(VersionMoveApi)
    appbuilder.add_api(AuditEventApi)
    appbuilder.add_api(PaymentsApi)
    appbuilder.add_api(WebhookApi)
    openapi.document_framework_apis(appbuilder)
