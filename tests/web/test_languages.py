"""English and Russian: FAB's /lang/<code> route switches the session's language for every
screen, ours and Flask-AppBuilder's; the Russian catalog covers every message the app writes."""

import html
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app import roles
from tests.factories import PASSWORD
from tests.web.forms import card_form, post_card

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "app" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
COMPILED = CATALOG.with_suffix(".mo")
UPDATE_HOWTO = "see the header comment of app/translations/ru/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")

# The invoice list in each language: what must be there, and what must not leak from the other.
LIST_PAGE = {
    "ru": {
        "shown": [
            "Счета",
            "Контрагенты",
            ">Добавить<",  # FAB's Add button
            "Добавить новую запись",
            "Просмотр",
            "Редактировать",
            "Поиск",
            "Количество записей",
            "Дата выставления",
            "Выход",
        ],
        "absent": [
            "Invoices",
            "Counterparties",
            "Add a new record",
            "Record Count",
            "Search",
            "Issue date",
            "Logout",
        ],
    },
    "en": {
        "shown": [
            "Invoices",
            "Counterparties",
            ">Add<",
            "Add a new record",
            "Show",
            "Edit",
            "Search",
            "Record Count",
            "Issue date",
            "Logout",
        ],
        "absent": ["Счета", "Контрагенты", "Добавить", "Количество записей", "Выход"],
    },
}


@pytest.fixture(autouse=True)
def _compiled_catalog():
    if not COMPILED.exists() or COMPILED.stat().st_mtime < CATALOG.stat().st_mtime:
        pytest.fail(
            f"{COMPILED.relative_to(ROOT)} is missing or older than the .po file: "
            "run `make translations` first"
        )


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def invoice_id(make) -> int:
    """Ivan's invoice: the list shows a row with its buttons."""
    return make.invoice(make.user("ivan", roles.INITIATOR), make.counterparty("Acme"))


@pytest.fixture
def ivan(invoice_id, login):
    return login("ivan")


def switch(client, language: str) -> None:
    response = client.get(f"/lang/{language}")
    assert response.status_code == 302


def assert_list_page_in(client, language: str) -> None:
    page = text(client.get("/invoices/list/"))
    missing = [word for word in LIST_PAGE[language]["shown"] if word not in page]
    leaked = [word for word in LIST_PAGE[language]["absent"] if word in page]
    assert not missing, f"not on the {language} list page: {missing}"
    assert not leaked, f"on the {language} list page: {leaked}"
    assert "Acme" in page


def test_a_user_switches_the_invoice_list_to_russian_and_back(ivan):
    assert_list_page_in(ivan, "en")
    switch(ivan, "ru")
    assert_list_page_in(ivan, "ru")
    switch(ivan, "en")
    assert_list_page_in(ivan, "en")


def test_the_language_belongs_to_the_session(ivan, make, app, login):
    switch(ivan, "ru")
    make.user("olga", roles.INITIATOR)
    other = app.test_client()
    other.post("/login/", data={"username": "olga", "password": PASSWORD})
    assert "Invoices" in text(other.get("/invoices/list/"))
    assert "Счета" in text(ivan.get("/invoices/list/"))


def test_an_unknown_language_is_refused_and_the_current_one_kept(ivan):
    switch(ivan, "ru")
    assert ivan.get("/lang/xx").status_code == 404
    assert "Счета" in text(ivan.get("/invoices/list/"))


def test_a_service_error_is_shown_in_russian(ivan, make):
    party = make.counterparty("Beta")
    switch(ivan, "ru")
    page = text(post_card(ivan, "/invoices/add", card_form(party, amount="abc")))
    assert "Введите сумму в формате 1234.56 или 1 234,56." in page
    assert "Исправьте отмеченные ниже поля." in page
    assert "Enter an amount like" not in page
    switch(ivan, "en")
    page = text(post_card(ivan, "/invoices/add", card_form(party, amount="abc")))
    assert "Enter an amount like 1234.56 or 1 234,56." in page


def test_the_invoice_card_and_form_are_in_russian(ivan, invoice_id):
    switch(ivan, "ru")
    card = text(ivan.get(f"/invoices/show/{invoice_id}"))
    for words in (
        "Счёт",
        "Черновик",
        "Сумма",
        "Контрагент",
        "Согласующие пока не выбраны.",
        "История",
        "создал(а) счёт",
        "К списку счетов",
    ):
        assert words in card
    form = text(ivan.get("/invoices/add"))
    for words in (
        "Новый счёт",
        "Согласующий 1",
        "Требуется платёжное поручение",
        "Платёжное поручение",
        "Сохранить",
    ):
        assert words in form


def test_the_login_page_is_in_russian_before_signing_in(client):
    switch(client, "ru")
    page = text(client.get("/login/"))
    assert "Введите логин и пароль" in page
    assert "Enter your login and password" not in page


def test_every_extracted_message_has_a_russian_translation():
    with open(CATALOG, "rb") as f:
        catalog = read_po(f, locale="ru")
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}

    def only_app(path: str) -> bool:
        inside = Path(path) == ROOT / "app" or ROOT / "app" in Path(path).parents
        return inside and not Path(path).name.startswith((".", "_"))

    found = extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords, directory_filter=only_app
    )
    extracted = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in found
    }
    assert len(extracted) > 100
    untranslated = sorted(m for m in extracted if not (catalog.get(m) and catalog.get(m).string))
    assert not untranslated, f"add these to the Russian catalog ({UPDATE_HOWTO}): {untranslated}"


def forms(text) -> tuple:
    """A message's text, or each of its plural forms."""
    return text if isinstance(text, tuple) else (text,)


def test_the_russian_catalog_is_complete_and_keeps_placeholders():
    with open(CATALOG, "rb") as f:
        catalog = read_po(f, locale="ru")
    entries = [m for m in catalog if m.id]
    assert len(entries) > 100
    assert not [m.id for m in entries if not all(forms(m.string)) or m.fuzzy], (
        "empty or fuzzy entries"
    )
    assert not catalog.obsolete, f"obsolete #~ entries: restore or drop them ({UPDATE_HOWTO})"
    changed = [
        m.id
        for m in entries
        for form in forms(m.string)
        if sorted(PLACEHOLDER.findall(forms(m.id)[0])) != sorted(PLACEHOLDER.findall(form))
    ]
    assert not changed, f"placeholders differ in: {changed}"
    fab = [m.id for m in entries if "Flask-AppBuilder" in m.user_comments]
    assert {"Add", "Show", "Edit", "Delete", "Select Value", "Profile"} <= set(fab)
