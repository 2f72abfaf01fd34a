"""Views and APIs registered on each application's AppBuilder."""

from app.i18n import _
from app.web.api.counterparties import CounterpartyApi
from app.web.api.invoices import InvoiceApi
from app.web.views.counterparties import CounterpartyView
from app.web.views.files import AttachmentView
from app.web.views.invoices import InvoiceView


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
    appbuilder.add_view_no_menu(AttachmentView)
    appbuilder.add_api(InvoiceApi)
    appbuilder.add_api(CounterpartyApi)
