"""The cycle-time report over HTTP: submit to payment per month, time per stage and per
approver (median and p90), the slowest invoices with links to their cards; its CSV export."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import update

from app.extensions import db
from app.models.user import User


def report(client, story, period=None) -> str:
    response = client.get(f"/reports/cycle-time?{period or story.period}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def rows_of(html: str, table: str) -> dict[str, tuple[str, str, str]]:
    """{row key: (count, median, p90)} of one table of the page."""
    section = html.split(f'data-test="{table}"', 1)[1].split("</table>", 1)[0]
    found = re.findall(
        r'data-key="([^"]*)"><td>[^<]*</td><td>(\d+)</td>\s*'
        r'<td data-test="median">([^<]*)</td><td data-test="p90">([^<]*)</td>',
        section,
    )
    return {key: (count, median, p90) for key, count, median, p90 in found}


def test_months_show_the_median_and_p90_from_submit_to_payment(story, login):
    months = rows_of(report(login("audra"), story), "months")
    # A took 12 h, B 31 h, both paid in the story's month
    assert months == {story.start.strftime("%Y-%m"): ("2", "21.5 h", "29.1 h")}


def test_stages_and_approvers_show_how_long_they_held_invoices(story, login):
    html = report(login("alla"), story)
    assert rows_of(html, "stages") == {
        "Approve invoice": ("4", "5.0 h", "7.4 h"),
        "Correct invoice": ("1", "1.0 h", "1.0 h"),
        "Pay invoice": ("2", "15.0 h", "19.0 h"),
    }
    a1, a2 = story.invoices["A"].ids["a1"], story.invoices["A"].ids["a2"]
    # approver1: 2 h, 4 h, 6 h; approver2: 8 h (the slowest first)
    assert rows_of(html, "approvers") == {
        str(a2): ("1", "8.0 h", "8.0 h"),
        str(a1): ("3", "4.0 h", "5.6 h"),
    }
    assert html.index(f'data-key="{a2}"') < html.index(f'data-key="{a1}"')


def test_the_slowest_invoices_come_first_with_a_link_to_each_card(story, login):
    html = report(login("adam"), story)
    slowest = html.split('data-test="slowest"', 1)[1]
    b, a = story.invoices["B"].invoice_id, story.invoices["A"].invoice_id
    assert slowest.index(f'href="/invoices/show/{b}"') < slowest.index(f'href="/invoices/show/{a}"')
    assert re.findall(r'data-test="took">([^<]*)<', slowest) == ["31.0 h", "12.0 h"]


def test_a_period_without_payments_says_so(story, login):
    html = report(login("alla"), story, "from=2020-01-01&to=2020-01-31")
    assert "No invoice was paid in this period." in html
    assert rows_of(html, "months") == {}


def test_a_bad_period_is_refused_with_the_reason_and_the_default_period_shown(story, login):
    response = login("alla").get("/reports/cycle-time?from=31.02.2026")
    assert response.status_code == 400
    assert 'data-test="slowest"' in response.get_data(as_text=True)
    assert login("alla").get("/reports/cycle-time.csv?to=nonsense").status_code == 400


def test_the_report_is_for_admins_analysts_and_auditors(story, login):
    for username in ("ivan", "approver1", "fedor"):
        response = login(username).get(f"/reports/cycle-time?{story.period}")
        assert response.status_code in (302, 403), username


def test_the_csv_export_has_every_figure_with_formulas_neutralised(app, story, login):
    a2 = story.invoices["A"].ids["a2"]
    with app.app_context():
        db.session.execute(update(User).where(User.id == a2).values(first_name="=2+3"))
        db.session.commit()
        db.session.remove()
    response = login("audra").get(f"/reports/cycle-time.csv?{story.period}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Section", "Name", "Count", "Median, hours", "90th percentile, hours"]
    assert ["Month", story.start.strftime("%Y-%m"), "2", "21.5", "29.1"] in rows
    assert ["Stage", "Approve invoice", "4", "5.0", "7.4"] in rows
    assert ["Approver", "'=2+3 Tester", "1", "8.0", "8.0"] in rows
    slow = [row for row in rows if row[0] == "Slowest invoice"]
    assert [row[3] for row in slow] == ["31.0", "12.0"]


def test_the_russian_csv_uses_semicolons_and_decimal_commas(story, login):
    client = login("audra")
    client.get("/lang/ru")
    text = client.get(f"/reports/cycle-time.csv?{story.period}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert ["Этап", "Согласование счёта", "4", "5,0", "7,4"] in rows
