"""A Russian deputy reads the out-of-office screen, My tasks, the task and the card in Russian,
"on behalf of" included."""

from __future__ import annotations

from tests.delegation.conftest import away, my_tasks, submit
from tests.russian_text import latin_words, visible_text

NAMES = ("ivan", "anna", "boris", "olga", "fedor", "fiona", "adam")
TYPED = {*NAMES, *(name.title() for name in NAMES), "Tester", "Acme"}


def english_words(client, url) -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200, url
    return latin_words(visible_text(answer.get_data(as_text=True)), TYPED)


def test_a_russian_deputy_meets_only_russian(app, client, login, api_token, people, invoice):
    assert away(client, api_token("anna"), people["olga"], note="Отпуск").status_code == 201
    submit(client, api_token, invoice)
    (task,) = my_tasks(client, api_token("olga"))
    olga = login("olga")
    assert olga.get("/lang/ru").status_code == 302
    tasks_page = olga.get("/tasks/").get_data(as_text=True)
    assert "за Anna Tester" in tasks_page
    task_page = olga.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "Вы принимаете решение за сотрудника Anna Tester" in task_page
    olga.post(f"/tasks/{task['id']}/decision", data={"decision": "approve", "comment": ""})
    card = olga.get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert "Olga Tester за Anna Tester" in card
    # The card's audit trail names a decision's step as stored (English): not this test's page.
    urls = ["/account/out-of-office/", "/tasks/", f"/tasks/{task['id']}"]
    found = {url: words for url in urls if (words := english_words(olga, url))}
    assert not found, found
