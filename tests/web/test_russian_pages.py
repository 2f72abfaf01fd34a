"""Every page a Russian reader opens is Russian: the HTML of the main pages, per role, holds no
English word outside brands, codes, addresses and the data the test made (tests/russian_text.py).
The browser walk (tests/e2e/test_russian_everywhere.py) reads the same pages as rendered."""

from __future__ import annotations

import re

import pytest

from app import roles
from app.extensions import db
from app.models import HumanTask, ProcessVersion
from tests.russian_text import latin_words, visible_text
from tests.web.my_tasks_steps import Desk

PEOPLE = {
    "ivan": roles.INITIATOR,
    "anna": roles.APPROVER,
    "fedor": roles.FINANCE_DIRECTOR,
    "alla": roles.ANALYST,
    "adam": roles.ADMIN,
    "audra": roles.AUDITOR,
}
# What the test itself typed: logins, the factories' names ("Ivan Tester"), the counterparty.
TYPED = {*PEOPLE, *(name.title() for name in PEOPLE), "Tester", "Acme"}

NAVBAR = re.compile(r'<div class="navbar-collapse collapse">.*?</div>', re.DOTALL)
LINK = re.compile(r'href="(/[^"#?]*)"')


# The mail folder lists whatever files earlier runs wrote, in their recipients' languages.
NOT_WALKED = ("/lang/", "/logout", "/dev-mail/")


def menu_pages(client) -> list[str]:
    """Every page the person's menus lead to (the language switch aside)."""
    navbar = NAVBAR.search(client.get("/").get_data(as_text=True))[0]
    return sorted({url for url in LINK.findall(navbar) if not url.startswith(NOT_WALKED)})


@pytest.fixture
def desk(app, make, client, api_token, login):
    people = {name: make.user(name, role) for name, role in PEOPLE.items()}
    for name in PEOPLE:  # each chooses Russian, so their mail is written in Russian
        russian(login(name))
    desk = Desk(app, make, client, api_token, people["ivan"], "ivan")
    desk.people = people
    return desk


def russian(client):
    assert client.get("/lang/ru").status_code == 302
    return client


def typed_roles(app) -> set[str]:
    """Roles other tests created (kept between tests): named by whoever made them."""
    with app.app_context():
        names = {role.name for role in app.appbuilder.sm.get_all_roles()}
        db.session.remove()
    return {word for name in names - set(roles.LABELS) for word in name.split()}


def english_on(client, url: str) -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200, f"{url}: {answer.status_code}"
    known = TYPED | typed_roles(client.application)
    return latin_words(visible_text(answer.get_data(as_text=True)), known)


def assert_russian(client, urls) -> None:
    found = {url: words for url in urls if (words := english_on(client, url))}
    assert not found, "English on Russian pages:\n" + "\n".join(
        f"  {url}: {sorted(set(words))}" for url, words in found.items()
    )


def task_url(app, invoice_id: int) -> str:
    with app.app_context():
        guid = db.session.query(HumanTask.task_guid).filter_by(invoice_id=invoice_id).scalar()
        db.session.remove()
    return f"/tasks/{guid}"


def test_an_approver_meets_only_russian_on_their_pages(app, desk, login):
    invoice = desk.submitted([desk.people["anna"]])
    anna = russian(login("anna"))
    assert_russian(anna, [*menu_pages(anna), f"/invoices/show/{invoice}", task_url(app, invoice)])


def test_an_initiator_a_finance_director_and_an_auditor_meet_only_russian(app, desk, login):
    invoice = desk.submitted([desk.people["anna"]])
    for name in ("ivan", "fedor", "audra"):
        person = russian(login(name))
        assert_russian(person, [*menu_pages(person), f"/invoices/show/{invoice}"])
    ivan = login("ivan")
    assert_russian(ivan, ["/invoices/add", f"/invoices/edit/{invoice}"])


def test_an_admin_meets_only_russian_on_the_admin_screens(app, desk, login):
    invoice = desk.submitted([desk.people["anna"]])
    adam = russian(login("adam"))
    outbox = re.search(r'href="(/outbox/show/\d+)"', adam.get("/outbox/list/").get_data(True))
    role = re.search(r'href="(/roles/edit/\d+)"', adam.get("/roles/list/").get_data(True))
    user = re.search(r'href="(/users/edit/\d+)"', adam.get("/users/list/").get_data(True))
    pages = [*menu_pages(adam), f"/invoices/show/{invoice}", outbox[1], role[1], user[1]]
    pages += ["/users/add", "/roles/add", "/counterparties/add"]
    with app.app_context():
        version = db.session.query(ProcessVersion.id).filter_by(is_current=True).first()[0]
        db.session.remove()
    # Changing a running invoice's process: its approvers, the move to a version.
    pages += [f"/running/invoices/{invoice}/approvers", f"/running/versions/{version}/move"]
    assert_russian(adam, pages)


def test_an_analyst_meets_only_russian_in_the_process_editor(app, desk, login):
    alla = russian(login("alla"))
    with app.app_context():
        version = db.session.query(ProcessVersion.id).filter_by(is_current=True).first()[0]
        db.session.remove()
    draft = alla.post("/process/drafts", data={"version_id": version}).headers["Location"]
    assert_russian(alla, ["/process/", f"/process/version/{version}", draft])


def test_the_stage_reads_in_the_readers_language_from_the_diagrams_name_ru(app, desk, login):
    invoice = desk.submitted([desk.people["anna"]])
    adam = login("adam")
    for language, stage, other in (
        ("ru", "Согласование счёта", "Approve invoice"),
        ("en", "Approve invoice", "Согласование счёта"),
    ):
        adam.get(f"/lang/{language}")
        for url in (f"/invoices/show/{invoice}", "/invoices/list/", "/open-tasks/", "/"):
            page = adam.get(url).get_data(as_text=True)
            # The filters keep the English name as their value; what is read is the label.
            assert f">{stage}<" in page and f">{other}<" not in page, (language, url)
    diagram = adam.get(f"/diagram/invoice/{invoice}").json["xml"]
    assert 'name="Approve invoice"' in diagram  # English reader: the names as drawn
    adam.get("/lang/ru")
    diagram = adam.get(f"/diagram/invoice/{invoice}").json["xml"]
    assert 'name="Согласование счёта"' in diagram and 'name="Финансовый директор"' in diagram


def test_the_cards_history_names_the_decided_step_in_the_readers_language(
    app, desk, login, client, api_token
):
    invoice = desk.submitted([desk.people["anna"]])
    anna = api_token("anna")
    [task] = client.get("/api/v1/tasks/mine", headers=anna).json["result"]
    decided = client.post(
        f"/api/v1/tasks/{task['id']}/decision",
        headers=anna,
        json={"decision": "return", "comment": "Wrong amount"},
    )
    assert decided.status_code == 200, decided.json
    ivan = login("ivan")
    for language, step, other in (
        ("ru", "Согласование счёта", "Approve invoice"),
        ("en", "Approve invoice", "Согласование счёта"),
    ):
        ivan.get(f"/lang/{language}")
        page = ivan.get(f"/invoices/show/{invoice}").get_data(as_text=True)
        history = page.split('data-test="timeline"', 1)[1].split("</ul>", 1)[0]
        returned = history.split('data-action="returned"', 1)[1].split("</li>", 1)[0]
        assert f"({step}," in returned and other not in returned, (language, returned)
