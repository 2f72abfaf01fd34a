"""Who sees which invoice, and who may change what, per role."""

import pytest

from app import roles
from app.errors import NotFoundError
from app.extensions import db
from app.models import HumanTask, Invoice
from app.services.task_access import find_task
from app.services.visibility import get_visible_invoice


@pytest.fixture
def world(make):
    people = {
        "ivan": make.user("ivan", roles.INITIATOR),
        "olga": make.user("olga", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "audra": make.user("audra", roles.AUDITOR),
        "adam": make.user("adam", roles.ADMIN),
        "alla": make.user("alla", roles.ANALYST),
    }
    party = make.counterparty("Visible Supplies")
    invoices = {
        "ivans": make.invoice(people["ivan"], party, approvers=[people["anna"]]),
        "olgas": make.invoice(people["olga"], party, approvers=[people["boris"]]),
    }
    return people, invoices


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("ivan", {"ivans"}),
        ("olga", {"olgas"}),
        ("anna", {"ivans"}),
        ("boris", {"olgas"}),
        ("alla", set()),
        ("fedor", {"ivans", "olgas"}),
        ("audra", {"ivans", "olgas"}),
        ("adam", {"ivans", "olgas"}),
    ],
)
def test_each_role_sees_exactly_its_invoices_in_list_card_and_api(
    world, login, api_token, client, username, visible
):
    _people, invoices = world
    browser = login(username)
    listing = browser.get("/invoices/list/").get_data(as_text=True)
    headers = api_token(username)
    api_ids = {row["id"] for row in client.get("/api/v1/invoice/", headers=headers).json["result"]}
    for name, pk in invoices.items():
        expected = name in visible
        assert (f"/invoices/show/{pk}" in listing) is expected
        assert (browser.get(f"/invoices/show/{pk}").status_code == 200) is expected
        assert (client.get(f"/api/v1/invoice/{pk}", headers=headers).status_code == 200) is expected
        assert (pk in api_ids) is expected


def test_a_card_you_may_not_see_is_404_for_show_and_edit(world, login):
    _people, invoices = world
    client = login("olga")
    assert client.get(f"/invoices/show/{invoices['ivans']}").status_code == 404
    assert client.get(f"/invoices/edit/{invoices['ivans']}").status_code == 404
    assert client.post(f"/invoices/edit/{invoices['ivans']}", data={}).status_code == 404


def test_auditors_read_everything_and_change_nothing(world, login, app):
    _people, invoices = world
    client = login("audra")
    pk = invoices["ivans"]
    assert client.get(f"/invoices/show/{pk}").status_code == 200
    assert client.get("/invoices/add").status_code == 403
    assert client.get(f"/invoices/edit/{pk}").status_code == 403
    assert client.post(f"/invoices/edit/{pk}", data={"amount": "1"}).status_code == 403
    assert client.get("/counterparties/add").status_code == 403
    assert client.get("/users/list/").status_code == 200
    upload = client.post(f"/files/upload/{pk}", data={}, follow_redirects=True)
    assert "do not allow you to add files to invoices" in upload.get_data(as_text=True)
    with app.app_context():
        assert str(db.session.get(Invoice, pk).amount) == "1000.00"


def test_an_approver_reads_the_card_but_cannot_edit_it(world, login):
    _people, invoices = world
    client = login("anna")
    assert client.get(f"/invoices/show/{invoices['ivans']}").status_code == 200
    assert client.get(f"/invoices/edit/{invoices['ivans']}").status_code == 403


def test_nothing_is_ever_deleted(world, login, app):
    people, invoices = world
    client = login("adam")
    assert client.post(f"/invoices/delete/{invoices['ivans']}").status_code in (403, 404, 405)
    assert client.post(f"/users/delete/{people['ivan']}").status_code in (403, 404, 405)
    with app.app_context():
        assert db.session.query(Invoice).count() == 2
        assert app.appbuilder.sm.get_user_by_id(people["ivan"]) is not None


def test_the_menu_shows_administration_only_to_admins(world, login):
    assert "List Users" in login("adam").get("/invoices/list/").get_data(as_text=True)
    page = login("ivan").get("/invoices/list/").get_data(as_text=True)
    assert "List Users" not in page
    assert "Counterparties" in page


def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    response = client.get("/invoices/list/")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_what_the_public_role_may_do_follows_an_admins_edit_at_once(world, app):
    """Anonymous access is cached between reads, yet a grant or a revocation applies at once."""
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/menu/").status_code == 401
    with app.app_context():
        sm = app.appbuilder.sm
        public = sm.find_role(app.config["AUTH_ROLE_PUBLIC"])
        menu = sm.find_permission_view_menu("can_get", "MenuApi")
        sm.add_permission_role(public, menu)
    try:
        assert anonymous.get("/api/v1/menu/").status_code == 200
    finally:
        with app.app_context():
            sm.del_permission_role(
                sm.find_role(app.config["AUTH_ROLE_PUBLIC"]),
                sm.find_permission_view_menu("can_get", "MenuApi"),
            )
    assert anonymous.get("/api/v1/menu/").status_code == 401


def test_a_user_without_roles_sees_no_invoice_and_no_task(world, make, app, client, api_token):

    people, invoices = world
    nobody = make.user("nobody", roles.INITIATOR)
    ivan = api_token("ivan")
    assert (
        client.post(f"/api/v1/invoices/{invoices['ivans']}/submit", headers=ivan).status_code == 200
    )
    with app.app_context():
        task_guid = (
            db.session.query(HumanTask.task_guid).filter_by(invoice_id=invoices["ivans"]).scalar()
        )
        user = app.appbuilder.sm.get_user_by_id(nobody)
        user.roles = []
        db.session.flush()
        with pytest.raises(NotFoundError):
            get_visible_invoice(db.session, user, invoices["ivans"])
        with pytest.raises(NotFoundError):
            find_task(db.session, user, task_guid)
        db.session.rollback()
