"""With single sign-on, the users named in AUTH_LOCAL_LOGIN_USERS still sign in with the password
kept here, on a page of their own (the directory or the provider may be down); nobody else can,
and the directory cannot sign in as them. Users SSO created are deactivated, never deleted."""

from __future__ import annotations

from app import roles
from app.extensions import db
from tests.factories import PASSWORD, Factories
from tests.sso.apps import BREAK_GLASS


def _local_sign_in(client, username, password=PASSWORD):
    return client.post("/login/local/", data={"username": username, "password": password})


def test_the_break_glass_admin_signs_in_on_the_local_page(ldap_app, ldap_client):
    Factories(ldap_app).user(BREAK_GLASS, roles.ADMIN)
    assert b'data-test="local-login"' in ldap_client.get("/login/local/").data
    response = _local_sign_in(ldap_client, BREAK_GLASS)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    assert ldap_client.get("/users/list/").status_code == 200


def test_other_users_cannot_use_the_local_page_even_with_a_password_kept_here(
    ldap_app, ldap_client
):
    Factories(ldap_app).user("clerk", roles.ADMIN)
    refused = _local_sign_in(ldap_client, "clerk")
    assert "/login/local/" in refused.headers["Location"]
    assert ldap_client.get("/users/list/").status_code in (302, 401, 403)


def test_the_local_page_counts_wrong_passwords_like_any_sign_in(ldap_app, ldap_client):
    Factories(ldap_app).user(BREAK_GLASS, roles.ADMIN)
    for _attempt in range(3):
        _local_sign_in(ldap_client, BREAK_GLASS, "wrong")
    assert _local_sign_in(ldap_client, BREAK_GLASS).status_code == 429


def test_the_directory_cannot_sign_in_as_the_break_glass_user(ldap_app, ldap_client, directory):
    Factories(ldap_app).user(BREAK_GLASS, roles.ADMIN)
    directory.add_person(BREAK_GLASS, "directory-pass-1", "Not", "Admin", ["approvers"])
    try:
        refused = ldap_client.post(
            "/login/", data={"username": BREAK_GLASS, "password": "directory-pass-1"}
        )
        assert "/login/" in refused.headers["Location"]
    finally:
        directory.remove_person(BREAK_GLASS)


def test_a_user_created_by_sign_on_is_deactivated_not_deleted(ldap_app, ldap_client, directory):
    directory.add_person("newcomer", "directory-pass-1", "New", "Comer", ["buyers"])
    try:
        ldap_client.post("/login/", data={"username": "newcomer", "password": "directory-pass-1"})
        ldap_client.post("/logout/")
        Factories(ldap_app).user(BREAK_GLASS, roles.ADMIN)
        _local_sign_in(ldap_client, BREAK_GLASS)
        with ldap_app.app_context():
            pk = ldap_app.appbuilder.sm.find_user(username="newcomer").id
            db.session.remove()
        assert ldap_client.post(f"/users/delete/{pk}").status_code in (403, 404, 405)
        edit = ldap_client.get(f"/users/edit/{pk}")
        assert edit.status_code == 200 and b'name="active"' in edit.data
        with ldap_app.app_context():
            assert ldap_app.appbuilder.sm.get_user_by_id(pk) is not None
            db.session.remove()
    finally:
        directory.remove_person("newcomer")
