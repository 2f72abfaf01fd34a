"""The app's icon: /favicon.ico answers for everyone, and every page names the icons and the
viewport a phone needs."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User

from app import roles
from app.extensions import db
from app.services.passwords import require_own_password

ICO_HEADER = b"\x00\x00\x01\x00"  # reserved 0, type 1 = icon


def test_favicon_ico_answers_200_with_an_icon_to_anyone(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data.startswith(ICO_HEADER)
    assert int.from_bytes(response.data[4:6], "little") >= 2  # several sizes: 16, 32, 48 px


def test_the_svg_icon_and_the_touch_icon_are_served(client):
    svg = client.get("/static/favicon.svg")
    touch = client.get("/static/apple-touch-icon.png")

    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    assert touch.status_code == 200 and touch.data.startswith(b"\x89PNG")


def test_every_page_links_the_icons_the_viewport_and_the_phone_styles(make, client, login):
    login_page = client.get("/login/").get_data(as_text=True)
    make.user("ivan", roles.INITIATOR)
    signed_in = login("ivan")
    pages = [signed_in.get(path).get_data(as_text=True) for path in ("/invoices/list/", "/tasks/")]

    for html in (login_page, *pages):
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
        assert '<link rel="apple-touch-icon" href="/static/apple-touch-icon.png">' in html
        assert "/static/css/responsive.css" in html
        assert "/static/js/responsive-tables.js" in html


def test_a_user_who_must_choose_a_new_password_still_gets_the_icon(app, make, login):
    admin_id = make.user("adam", roles.ADMIN)
    ivan_id = make.user("ivan", roles.INITIATOR)
    with app.app_context():
        require_own_password(db.session, db.session.get(User, admin_id), ivan_id)
        db.session.remove()
    client = login("ivan")

    assert client.get("/tasks/").status_code == 302  # every page leads to the new password
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data.startswith(ICO_HEADER)
