"""The users and roles screens: a saved user returns to the list with a message naming them; a
role's permissions are grouped by what they allow, in words, and save as before."""

import re

import pytest

from app import permissions, roles
from app.extensions import db
from app.models.user import User


@pytest.fixture
def people(make):
    return {
        "adam": make.user("adam", roles.ADMIN),
        "anna": make.user("anna", roles.APPROVER),
        "audra": make.user("audra", roles.AUDITOR),
    }


def role_id(app, name: str) -> int:
    with app.app_context():
        pk = app.appbuilder.sm.find_role(name).id
        db.session.remove()
        return pk


def user_form(app, username: str, **changes) -> dict:
    return {
        "first_name": username.title(),
        "last_name": "Lawyer",
        "username": username,
        "email": f"{username}@example.com",
        "active": "y",
        "roles": [role_id(app, roles.APPROVER)],
        **changes,
    }


def test_saving_a_new_user_returns_to_the_user_list_with_a_message(app, login, people):
    admin = login("adam")
    password = "fresh-passphrase-2024"
    saved = admin.post(
        "/users/add", data=user_form(app, "lena", password=password, conf_password=password)
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/users/list/")
    page = admin.get(saved.headers["Location"]).get_data(as_text=True)
    assert "User Lena Lawyer (lena) saved." in page and "Added Row" not in page
    assert "lena@example.com" in page


def test_saving_an_edited_user_returns_to_the_list_with_a_message_in_russian(app, login, people):
    admin = login("adam")
    admin.get(f"/users/show/{people['anna']}")  # where FAB would have gone back to
    admin.get("/lang/ru")
    saved = admin.post(
        f"/users/edit/{people['anna']}", data=user_form(app, "anna", last_name="Approver")
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/users/list/")
    page = admin.get("/users/list/").get_data(as_text=True)
    assert "Пользователь Anna Approver (anna) сохранён." in page
    with app.app_context():
        assert db.session.get(User, people["anna"]).last_name == "Approver"


def test_a_refused_user_form_stays_on_the_form_with_its_message(app, login, people):
    admin = login("adam")
    answer = admin.post("/users/add", data=user_form(app, "anna", password="x", conf_password="y"))
    assert answer.status_code == 200
    assert "Passwords must match" in answer.get_data(as_text=True)


def permission_groups(page: str) -> dict[str, str]:
    """Area name -> the HTML of its group on the roles form."""
    parts = re.split(r'data-test="permission-group" data-area="([^"]+)"', page)[1:]
    return dict(zip(parts[::2], parts[1::2], strict=True))


def checkbox(group: str, label: str) -> str:
    found = re.search(
        r'<input type="checkbox" name="permissions" value="(\d+)"([^>]*)> '
        + re.escape(label)
        + "\n",
        group,
    )
    assert found, label
    return found.group(0)


def test_the_roles_form_groups_permissions_by_what_they_allow(app, login, people):
    page = login("adam").get(f"/roles/edit/{role_id(app, roles.APPROVER)}").get_data(as_text=True)
    groups = permission_groups(page)
    assert list(groups) == [
        "Invoices",
        "Tasks",
        "Processes",
        "Mail",
        "Counterparties",
        "Administration",
        "Self-service",
    ]
    assert "checked" in checkbox(groups["Tasks"], "Decide on tasks")
    assert "checked" not in checkbox(groups["Tasks"], "Reassign tasks")
    assert "checked" not in checkbox(groups["Invoices"], "Record payments")
    assert "checked" not in checkbox(groups["Mail"], "Send failed e-mail again")
    assert "checked" not in checkbox(groups["Processes"], "Publish processes")
    assert "checked" in checkbox(groups["Self-service"], "Second factor: read")
    checkbox(groups["Administration"], "Users: list")
    checkbox(groups["Tasks"], "See every open task")
    assert " on Task" not in page and "can_decide" not in page
    assert "/static/js/role-permissions.js" in page


def test_the_roles_form_reads_in_russian(app, login, people):
    admin = login("adam")
    admin.get("/lang/ru")
    page = admin.get(f"/roles/edit/{role_id(app, roles.APPROVER)}").get_data(as_text=True)
    groups = permission_groups(page)
    assert list(groups)[:2] == ["Счета", "Задачи"]
    assert "checked" in checkbox(groups["Задачи"], "Принимать решения по задачам")


def test_unticking_a_box_on_the_grouped_form_revokes_that_permission(app, login, people):
    pk = role_id(app, roles.APPROVER)
    admin = login("adam")
    page = admin.get(f"/roles/edit/{pk}").get_data(as_text=True)
    ticked = re.findall(r'name="permissions" value="(\d+)" checked', page)
    decide = re.search(
        r'value="(\d+)"', checkbox(permission_groups(page)["Tasks"], "Decide on tasks")
    ).group(1)
    kept = [value for value in ticked if value != decide]
    try:
        saved = admin.post(f"/roles/edit/{pk}", data={"name": roles.APPROVER, "permissions": kept})
        assert saved.status_code == 302
        with app.app_context():
            held = {
                (pv.permission.name, pv.view_menu.name)
                for pv in app.appbuilder.sm.find_role(roles.APPROVER).permissions
            }
            db.session.remove()
        assert permissions.DECIDE.pair not in held and len(held) == len(kept)
    finally:
        restored = admin.post(
            f"/roles/edit/{pk}", data={"name": roles.APPROVER, "permissions": ticked}
        )
        assert restored.status_code == 302


def test_auditors_read_users_and_roles_but_cannot_change_them(app, login, people):
    auditor = login("audra")
    assert auditor.get("/users/list/").status_code == 200
    assert auditor.get("/roles/list/").status_code == 200
    pk = role_id(app, roles.APPROVER)
    assert auditor.get(f"/roles/edit/{pk}").status_code in (302, 403)
    assert auditor.post(
        f"/users/edit/{people['anna']}", data=user_form(app, "anna")
    ).status_code in (302, 403)
    assert login("anna").get("/roles/list/").status_code in (302, 403)
