"""The invoice list a finance team works in: who holds each invoice and since when, overdue rows
marked, filters in the URL, sorting by each column, and the export of what the filter shows."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import openpyxl
import pytest
from lxml import html
from sqlalchemy import select, update
from sqlalchemy.orm import aliased
from werkzeug.http import parse_options_header

from app import roles
from app.extensions import db
from app.models import HumanTask, Invoice, InvoiceStatus, TaskStatus
from app.models.base import utcnow
from app.models.user import User
from app.services.complete_task import decide
from app.services.invoice_export import neutralised
from app.services.invoice_filter import InvoiceFilter, filter_choices, read_filter
from app.services.invoice_input import InvoicePolicy
from app.services.invoice_list import COLUMNS, SORTABLE
from app.services.overdue import is_overdue, overdue_clause
from app.services.submit_invoice import submit_invoice
from app.services.task_holder import holder_name, holder_name_column, longest_waiting_open_task
from app.services.visibility import visible_invoices_clause
from app.web.views.dashboard import invoice_list_url
from tests import clock
from tests.web.test_sql_counts import counted

LIST = "/invoices/list/"
VIEW = "InvoiceView"
ALL = {"late", "on_time", "draft", "to_pay", "rejected"}


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "olga": make.user("olga", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
    }


class Desk:
    """Moves invoices through the process with the services the screens call."""

    def __init__(self, app, make, people):
        self.app, self.make, self.people = app, make, people

    def invoice(self, initiator, approvers, submit=True, party=None, **fields) -> int:
        ids = [self.people[name] for name in approvers]
        pk = self.make.invoice(
            self.people[initiator], self.make.counterparty(party), approvers=ids, **fields
        )
        if submit:
            with self.app.app_context():
                submit_invoice(
                    db.session, self.user(initiator), pk, InvoicePolicy(today=clock.today())
                )
                db.session.remove()
        return pk

    def decide(self, invoice_id: int, who: str, decision: str) -> None:
        with self.app.app_context():
            task = db.session.scalars(
                select(HumanTask).filter_by(invoice_id=invoice_id, status=TaskStatus.OPEN)
            ).one()
            decide(db.session, self.user(who), task.task_guid, decision, "Checked.")
            db.session.remove()

    def waiting_since(self, invoice_id: int, when: datetime) -> None:
        with self.app.app_context():
            db.session.execute(
                update(HumanTask)
                .where(HumanTask.invoice_id == invoice_id, HumanTask.status == TaskStatus.OPEN)
                .values(created_at=when)
            )
            db.session.commit()
            db.session.remove()

    def user(self, name):
        return self.app.appbuilder.sm.get_user_by_id(self.people[name])


@pytest.fixture
def desk(app, make, people):
    return Desk(app, make, people)


@pytest.fixture
def world(desk, frozen_clock):
    """Five invoices, one per situation; {name: id}."""
    days = clock.days_from_today
    issued = days(-20)
    ids = {
        "late": desk.invoice(
            "ivan", ["anna", "boris"], amount="300.00", issue_date=issued, due_date=days(-1)
        ),
        "on_time": desk.invoice(
            "ivan", ["boris"], amount="50.00", currency="EUR", issue_date=issued, due_date=days(5)
        ),
        "draft": desk.invoice(
            "olga", ["anna"], submit=False, amount="7000.00", issue_date=issued, due_date=days(-3)
        ),
        "to_pay": desk.invoice(
            "olga", ["anna"], amount="1200.50", issue_date=issued, due_date=days(-2)
        ),
        "rejected": desk.invoice(
            "ivan", ["boris"], amount="10.00", issue_date=issued, due_date=days(-5)
        ),
    }
    desk.decide(ids["to_pay"], "anna", "approve")
    desk.decide(ids["rejected"], "boris", "reject")
    now = utcnow().replace(microsecond=0)
    desk.waiting_since(ids["late"], now - timedelta(days=3))
    desk.waiting_since(ids["on_time"], now - timedelta(hours=5))
    desk.waiting_since(ids["to_pay"], now - timedelta(days=1))
    return ids


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.get_data(as_text=True))


def rows(page) -> list:
    return page.xpath('//tr[@data-test="invoice-row"]')


def cell(row, column) -> str:
    found = row.xpath(f'./td[@data-column="{column}"]')[0]
    return re.sub(r"\s+", " ", found.text_content()).strip()


def shown(page, world) -> list[str]:
    """The invoices a page lists, by their names in `world`, in the page's order."""
    by_id = {pk: name for name, pk in world.items()}
    numbers = [int(row.get("data-number")) for row in rows(page)]
    return [by_id[number] for number in numbers]


def query(**params) -> str:
    return LIST + "?" + "&".join(f"{key}={value}" for key, value in params.items())


# --------------------------------------------------------------------------- columns


def test_each_row_shows_its_stage_holder_waiting_time_and_due_date_overdue_marked(login, world):
    page = page_of(login("fiona"), LIST)
    by_name = dict(zip(shown(page, world), rows(page), strict=True))
    assert set(by_name) == ALL
    assert cell(by_name["late"], "holder") == "Anna Tester"
    assert cell(by_name["on_time"], "holder") == "Boris Tester"
    assert cell(by_name["to_pay"], "holder") == roles.FINANCE_DIRECTOR  # no one took it yet
    assert cell(by_name["draft"], "holder") == cell(by_name["rejected"], "holder") == ""
    assert cell(by_name["late"], "stage") and cell(by_name["to_pay"], "stage")
    # On the reader's clock (the default zone, Europe/Moscow: UTC+3), with the zone named.
    three_days_ago = (utcnow() - timedelta(days=3, hours=-3)).strftime("%Y-%m-%d %H:%M")
    assert cell(by_name["late"], "waiting_since") == f"{three_days_ago} MSK (3 days)"
    assert cell(by_name["on_time"], "waiting_since").endswith("(5 h)")
    assert cell(by_name["draft"], "waiting_since") == ""
    # Overdue: due before today and not closed (a draft too; a rejected invoice no more).
    overdue = {name for name, row in by_name.items() if row.get("data-overdue") == "true"}
    assert overdue == {"late", "draft", "to_pay"}
    assert cell(by_name["late"], "due_date") == f"{clock.iso_days_from_today(-1)} overdue"
    assert cell(by_name["on_time"], "due_date") == clock.iso_days_from_today(5)
    assert cell(by_name["on_time"], "amount") == "50.00" and cell(by_name["on_time"], "currency")
    assert cell(by_name["late"], "initiator") == "Ivan Tester"


def test_every_row_has_its_cells_in_the_order_of_the_headings(login, world):
    page = page_of(login("fiona"), LIST)
    headings = page.xpath("//table[contains(@class, 'table-bordered')]//tr[th]")[0]
    labels = [re.sub(r"\s+", " ", th.text_content()).strip() for th in headings.xpath("./th")]
    expected = [str(label) for _key, label in COLUMNS]
    assert labels[-len(expected) :] == expected
    for row in rows(page):
        assert [td.get("data-column") for td in row.xpath("./td[@data-column]")] == [
            key for key, _label in COLUMNS
        ]


def search_of(response) -> tuple[str, str]:
    """The column search's HTML (its nonce left out) and the nonce of its script."""
    page = response.get_data(as_text=True)
    start = page.index('<form id="filter_form"')
    search = page[start : page.index("</script>", start)]
    nonce = re.search(r'<script nonce="([^"]+)"', search).group(1)
    return search.replace(nonce, ""), nonce


def test_the_column_search_is_drawn_once_per_language_with_each_pages_nonce(login, world):
    client = login("fiona")
    first, second = client.get(LIST), client.get(LIST)
    (search, nonce), (again, other_nonce) = search_of(first), search_of(second)
    assert search == again and nonce != other_nonce
    for response, page_nonce in ((first, nonce), (second, other_nonce)):
        assert f"'nonce-{page_nonce}'" in response.headers["Content-Security-Policy"]
    client.get("/lang/ru")
    russian, _nonce = search_of(client.get(LIST))
    assert "Срок оплаты" in russian and "Due date" not in russian
    # A column filter on: drawn for this page, with the filter's value.
    filtered, _nonce = search_of(client.get(f"{LIST}?_flt_0_status=draft"))
    assert re.search(r"\[\s*\]\s*\)", russian)  # no filter on
    assert re.search(r'\[\["status", "[^"]*", \["draft"\]\]\]\s*\)', filtered)


def test_the_columns_have_their_headings_in_russian(login, world):
    client = login("fiona")
    client.get("/lang/ru")
    headings = " ".join(
        page_of(client, LIST).xpath("//table[contains(@class, 'table-bordered')]//th//text()")
    )
    for heading in ("Этап", "Срок оплаты", "Инициатор", "Исполнитель", "Ожидает с"):
        assert heading in headings


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "in_approval"}, {"late", "on_time"}),
        ({"initiator": "ivan"}, {"late", "on_time", "rejected"}),
        ({"approver": "anna"}, {"late", "draft", "to_pay"}),
        ({"holder": "anna"}, {"late"}),
        ({"holder": "boris"}, {"on_time"}),
        ({"holder_role": roles.FINANCE_DIRECTOR}, {"to_pay"}),
        ({"due_from": -2, "due_to": 5}, {"late", "on_time", "to_pay"}),
        ({"due_to": -3}, {"draft", "rejected"}),
        ({"overdue": "1"}, {"late", "draft", "to_pay"}),
        ({"initiator": "ivan", "overdue": "1"}, {"late"}),
        ({"overdue": "0"}, ALL),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else None,
)
def test_each_filter_narrows_the_list(login, world, people, params, expected):
    page = page_of(login("fiona"), query(**_resolved(params, people)))
    assert set(shown(page, world)) == expected


def test_the_stage_filter_lists_the_invoices_at_that_stage(app, login, world):
    with app.app_context():
        stage = db.session.get(Invoice, world["late"]).stage
    page = page_of(login("fiona"), query(stage=stage))
    assert set(shown(page, world)) == {"late", "on_time"}
    offered = page.xpath('//select[@name="stage"]/option/@value')
    assert stage in offered


def _resolved(params: dict, people: dict) -> dict:
    """People by their user ids, days as dates from today."""
    found = {}
    for key, value in params.items():
        if key in ("initiator", "approver", "holder"):
            value = people[value]
        elif key.startswith("due_"):
            value = clock.iso_days_from_today(value)
        found[key] = value
    return found


def test_filters_show_only_invoices_the_person_may_see(login, world, people):
    ivan = login("ivan")
    assert set(shown(page_of(ivan, query(approver=people["anna"])), world)) == {"late"}
    assert shown(page_of(ivan, query(holder_role=roles.FINANCE_DIRECTOR)), world) == []
    olga_sees = shown(page_of(login("olga"), query(overdue="1")), world)
    assert set(olga_sees) == {"draft", "to_pay"}


@pytest.mark.parametrize(
    "bad",
    [
        "status=bogus",
        "initiator=abc",
        f"holder={10**30}",
        "approver=-1",
        "due_from=2024-02-30",
        "due_to=tomorrow",
        "overdue=maybe",
        f"stage={'x' * 300}",
        "due_from=2026-05-01&due_to=2026-04-01",
    ],
)
def test_an_unreadable_filter_value_is_ignored_with_a_message(login, world, bad):
    client = login("fiona")
    page = page_of(client, f"{LIST}?{bad}")
    assert set(shown(page, world)) == ALL
    assert page.xpath('//*[@data-test="ignored-filters"]')
    exported = client.get(f"/invoices/export.csv?{bad}")
    assert exported.status_code == 200 and len(csv_rows(exported)) == 1 + len(ALL)


def test_unknown_parameters_are_not_filters(login, world):
    page = page_of(login("fiona"), f"{LIST}?colour=red&holder_name=x")
    assert set(shown(page, world)) == ALL and not page.xpath('//*[@data-test="ignored-filters"]')


# --------------------------------------------------------------------------- the URL


def test_the_filter_round_trips_through_the_url(login, world, people):
    wanted = {
        "status": "in_approval",
        "initiator": str(people["ivan"]),
        "holder": str(people["anna"]),
        "due_to": clock.iso_days_from_today(0),
        "overdue": "1",
    }
    criteria, ignored = read_filter(wanted)
    assert not ignored and criteria.as_parameters() == wanted
    page = page_of(login("fiona"), query(**wanted, _oc_InvoiceView="amount", _od_InvoiceView="asc"))
    assert shown(page, world) == ["late"]
    # The bar shows the filter as set, the people by name, and submits it as it came.
    bar = page.xpath('//form[@data-test="filter-bar"]')[0]
    assert dict(bar.form_values()) == {
        **wanted,
        "_oc_InvoiceView": "amount",
        "_od_InvoiceView": "asc",
        "stage": "",
        "approver": "",
        "holder_role": "",
        "due_from": "",
    }
    chosen = bar.xpath('.//select[@name="holder"]/option[@selected]')[0]
    assert chosen.text_content() == "Anna Tester (anna)"
    # The export links carry the same filter and sort.
    link = page.xpath('//a[@data-test="export-csv"]/@href')[0]
    assert dict(parse_qsl(urlsplit(link).query)) == {
        **wanted,
        "_oc_InvoiceView": "amount",
        "_od_InvoiceView": "asc",
    }


def test_an_empty_filter_is_no_filter():
    assert read_filter({}) == (InvoiceFilter(), [])
    assert read_filter({name: "" for name in InvoiceFilter().__dataclass_fields__}) == (
        InvoiceFilter(),
        [],
    )


def test_the_dashboards_links_still_filter_the_list(app, login, world):
    with app.app_context():
        stage = db.session.get(Invoice, world["late"]).stage
    with app.test_request_context():
        links = {
            "draft": invoice_list_url(status=InvoiceStatus.DRAFT),
            "stage": invoice_list_url(stage=stage),
            "late payments": invoice_list_url(
                status=InvoiceStatus.AWAITING_PAYMENT, due_before=clock.today()
            ),
        }
    client = login("fiona")
    assert shown(page_of(client, links["draft"]), world) == ["draft"]
    assert set(shown(page_of(client, links["stage"]), world)) == {"late", "on_time"}
    assert shown(page_of(client, links["late payments"]), world) == ["to_pay"]
    # The export of such a list holds the same rows.
    query_string = urlsplit(links["late payments"]).query
    exported = csv_rows(client.get(f"/invoices/export.csv?{query_string}"))
    assert [int(line[0]) for line in exported[1:]] == [world["to_pay"]]


# --------------------------------------------------------------------------- sorting


def _sort_key(column: str, text: str):
    if column == "number":
        return int(text)
    if column == "amount":
        return Decimal(text.replace("\u00a0", "").replace(" ", ""))
    if column == "status":
        labels = ["Draft", "In approval", "On rework", "Awaiting payment", "Paid", "Rejected"]
        return labels.index(text)
    if column == "due_date":
        return text.split(" ")[0]
    if column == "waiting_since":
        return text[:16]
    return text.casefold()


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("column", SORTABLE)
def test_the_list_sorts_by_each_column(login, world, column, direction):
    url = query(**{f"_oc_{VIEW}": column, f"_od_{VIEW}": direction})
    page = page_of(login("fiona"), url)
    texts = [cell(row, column) for row in rows(page)]
    assert len(texts) == len(ALL)
    present = [_sort_key(column, text) for text in texts if text]
    assert present == sorted(present, reverse=direction == "desc")
    # Rows without a value (no holder, no due date) come last either way.
    assert texts[len(present) :] == [""] * (len(texts) - len(present))


@pytest.mark.parametrize(
    "sort",
    [
        f"_oc_{VIEW}=no_such_column&_od_{VIEW}=asc",
        f"_oc_{VIEW}=holder;drop table invoice&_od_{VIEW}=asc",
        f"_oc_{VIEW}=__class__&_od_{VIEW}=desc",
    ],
)
def test_sorting_by_an_unknown_column_is_refused_with_a_message(login, world, sort):
    client = login("fiona")
    for url in (f"{LIST}?{sort}", f"/invoices/export.csv?{sort}"):
        response = client.get(url)
        assert response.status_code == 400
        assert "sort order is not valid" in response.get_data(as_text=True)


def test_an_unknown_sort_direction_keeps_the_default_order(login, world):
    page = page_of(login("fiona"), f"{LIST}?_oc_{VIEW}=holder&_od_{VIEW}=sideways")
    assert set(shown(page, world)) == ALL


# --------------------------------------------------------------------------- SQL


@pytest.mark.parametrize("path", [LIST, "/invoices/export.csv", "/invoices/export.xlsx"])
def test_the_list_and_its_export_send_as_many_statements_for_one_row_as_for_many(
    app, client, login, world, people, path
):
    login("fiona")
    filters = f"approver={people['anna']}&overdue=1&_oc_{VIEW}=holder&_od_{VIEW}=asc"
    one = statements_read(app, client, f"{path}?{filters}&holder={people['anna']}")
    many = statements_read(app, client, f"{path}?{filters}&holder=")
    assert one == many <= 18


def statements_read(app, client, url) -> int:
    """Statements sent for the answer to `url`, read to its end (an export is streamed)."""
    client.get(url).get_data()  # warm: the first request of a client fills caches
    with counted(app) as sent:
        response = client.get(url)
        body = response.get_data()
    assert response.status_code == 200 and body
    return len(sent)


# --------------------------------------------------------------------------- export


def csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    text = body.decode("utf-8-sig")
    delimiter = ";" if text.split("\r\n")[0].count(";") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def xlsx_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return list(book.active.iter_rows())


def test_the_csv_export_holds_what_the_filter_shows_on_every_page(login, world, frozen_clock):
    client = login("fiona")
    url = f"overdue=1&_oc_{VIEW}=amount&_od_{VIEW}=asc&psize_{VIEW}=1&page_{VIEW}=1"
    on_screen = page_of(client, f"{LIST}?{url}")
    assert len(rows(on_screen)) == 1
    response = client.get(on_screen.xpath('//a[@data-test="export-csv"]/@href')[0])
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert (disposition, options["filename"]) == (
        "attachment",
        f"invoices-{clock.today().isoformat()}.csv",
    )
    heading, *lines = csv_rows(response)
    assert heading == [
        "No.",
        "Issue date",
        "Counterparty",
        "Amount",
        "Currency",
        "Status",
        "Stage",
        "Holder",
        "Waiting since (Europe/Moscow)",  # the reader's clock: the default zone
        "Due date",
        "Initiator",
    ]
    assert [line[0] for line in lines] == [str(world[n]) for n in ("late", "to_pay", "draft")]
    late = dict(zip(heading, lines[0], strict=True))
    assert late["Amount"] == "300.00" and late["Currency"] == "RUB"
    assert late["Due date"] == clock.iso_days_from_today(-1)
    assert late["Issue date"] == clock.iso_days_from_today(-20)
    assert late["Holder"] == "Anna Tester" and late["Status"] == "In approval"
    three_days_ago = (utcnow() - timedelta(days=3, hours=-3)).strftime("%Y-%m-%d %H:%M")
    assert late["Waiting since (Europe/Moscow)"] == three_days_ago


def test_the_csv_export_in_russian_uses_semicolons_and_a_decimal_comma(login, world):
    client = login("fiona")
    client.get("/lang/ru")
    response = client.get(f"/invoices/export.csv?holder_role={roles.FINANCE_DIRECTOR}")
    heading, line = csv_rows(response)
    assert response.get_data().decode("utf-8-sig").startswith("№;")
    row = dict(zip(heading, line, strict=True))
    assert row["Контрагент"] and row["Сумма"] == "1200,50"
    stage = row["Этап"]
    assert re.fullmatch(r"[А-Яа-яЁё ,.()-]+", stage), stage  # the diagram's name_ru


def test_the_xlsx_export_has_numbers_amounts_and_dates_as_such(login, world, frozen_clock):
    client = login("fiona")
    response = client.get(f"/invoices/export.xlsx?holder=&_oc_{VIEW}=number&_od_{VIEW}=asc")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(
        f"invoices-{clock.today().isoformat()}.xlsx"
    )
    heading, *lines = xlsx_rows(response)
    assert [c.value for c in heading][:4] == ["No.", "Issue date", "Counterparty", "Amount"]
    assert [line[0].value for line in lines] == sorted(world.values())
    on_time = next(line for line in lines if line[0].value == world["on_time"])
    number, issued, _party, amount, currency = (c.value for c in on_time[:5])
    assert number == world["on_time"] and isinstance(number, int)
    assert Decimal(str(amount)) == Decimal("50.00") and on_time[3].data_type == "n"
    assert on_time[3].number_format == "#,##0.00" and currency == "EUR"
    assert issued.date() == clock.days_from_today(-20) and on_time[1].is_date
    assert on_time[8].is_date and on_time[9].value.date() == clock.days_from_today(5)


def test_exports_hold_only_the_invoices_the_person_may_see(login, world, people):
    client = login("ivan")
    in_csv = {int(line[0]) for line in csv_rows(client.get("/invoices/export.csv"))[1:]}
    in_xlsx = {line[0].value for line in xlsx_rows(client.get("/invoices/export.xlsx"))[1:]}
    assert in_csv == in_xlsx == {world[n] for n in ("late", "on_time", "rejected")}
    olga = login("olga")
    assert len(csv_rows(olga.get(f"/invoices/export.csv?initiator={people['ivan']}"))) == 1


FORMULAS = ['=HYPERLINK("http://x.example","x")', "+SUM(1,2)", "-2+3", "@cmd", "\t=1+1"]


def test_text_that_a_spreadsheet_would_run_is_exported_as_text(desk, login):
    ids = {desk.invoice("ivan", ["anna"], party=name): name for name in FORMULAS}
    client = login("ivan")
    lines = csv_rows(client.get("/invoices/export.csv"))[1:]
    assert {line[2] for line in lines} == {f"'{name}" for name in FORMULAS}
    sheet = xlsx_rows(client.get("/invoices/export.xlsx"))
    assert not [c for line in sheet for c in line if c.data_type == "f"]
    parties = {line[0].value: line[2].value for line in sheet[1:]}
    assert {pk: parties[pk] for pk in ids} == {pk: f"'{name}" for pk, name in ids.items()}
    assert all(line[3].data_type == "n" for line in sheet[1:])  # amounts stay numbers


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@A1", "\tx", "\rx"])
def test_neutralised_makes_formula_text_plain(text):
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("value", ["Acme", "", "1-2", None, 5, Decimal("-1.50")])
def test_neutralised_leaves_other_values_alone(value):
    assert neutralised(value) == value


def test_an_export_beyond_the_limit_is_refused_with_a_message(app, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 3)
    client = login("fiona")
    for kind in ("csv", "xlsx"):
        response = client.get(f"/invoices/export.{kind}")
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert "The filter matches 5 invoices; an export holds at most 3." in text
    page = page_of(client, LIST)
    assert page.xpath('//*[@data-test="export-too-large"]')
    assert not page.xpath('//a[@data-test="export-csv"]')
    narrowed = client.get("/invoices/export.csv?overdue=1")
    assert narrowed.status_code == 200 and len(csv_rows(narrowed)) == 4


# --------------------------------------------------------------------------- the rules


def test_the_holder_rule_reads_the_same_in_sql_and_in_python(app, world):
    task, person = aliased(HumanTask), aliased(User)
    with app.app_context():
        found = db.session.execute(
            select(
                holder_name_column(task, person),
                person.first_name,
                person.last_name,
                task.candidate_role,
            )
            .select_from(Invoice)
            .outerjoin(task, task.id == longest_waiting_open_task(Invoice.id))
            .outerjoin(person, person.id == task.assignee_user_id)
        ).all()
    assert len(found) == len(ALL)
    assert [sql for sql, *_ in found] == [holder_name(*rest) for _sql, *rest in found]
    assert {sql for sql, *_ in found} == {"Anna Tester", "Boris Tester", "Finance director", None}


def test_the_overdue_rule_reads_the_same_in_sql_and_in_python(app, world):
    today = clock.today()
    with app.app_context():
        in_sql = set(db.session.scalars(select(Invoice.id).where(overdue_clause(today))))
        in_python = {
            invoice.id
            for invoice in db.session.scalars(select(Invoice))
            if is_overdue(invoice.due_date, invoice.status, today)
        }
    assert in_sql == in_python == {world[n] for n in ("late", "draft", "to_pay")}


def test_the_person_boxes_find_people_by_name(login, people):
    answer = login("fiona").get("/invoices/people-choices?q=ann").json
    assert answer["results"] == [{"id": people["anna"], "text": "Anna Tester (anna)"}]


@pytest.mark.parametrize("who", ["ivan", "olga", "anna", "boris", "fiona"])
def test_the_filter_offers_the_stages_of_the_invoices_one_sees_and_every_lane(
    app, desk, world, who
):
    # The choices come from a loose index scan; a plain SELECT DISTINCT is the reference.
    with app.app_context():
        actor = desk.user(who)
        stages = select(Invoice.stage).where(Invoice.stage.is_not(None)).distinct()
        visible = visible_invoices_clause(actor)
        if visible is not None:
            stages = stages.where(visible)
        lanes = select(HumanTask.candidate_role).where(HumanTask.candidate_role.is_not(None))
        choices = filter_choices(db.session, actor, InvoiceFilter())
        assert choices.stages == sorted(db.session.scalars(stages))
        assert choices.roles == list(
            db.session.scalars(lanes.distinct().order_by(HumanTask.candidate_role))
        )
        assert choices.roles, "the world has tasks offered to roles"
        db.session.remove()
