"""Every page carries the security headers: no framing (the Approve page included), no sniffing,
a same-origin referrer, and a policy under which only the page's own scripts run."""

import re

import pytest

from app import roles
from config import ProductionConfig
from tests.workflow.scenario import Scenario


@pytest.fixture
def approval_page(app, make, login):
    case = Scenario(app, make, approvers=1)
    case.submit()
    return login("approver1").get(f"/tasks/{case.open_task('a1')}")


def test_the_approve_page_cannot_be_framed_and_runs_only_its_own_scripts(approval_page):
    assert approval_page.status_code == 200
    headers = approval_page.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    page = approval_page.get_data(as_text=True)
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts(page))
    assert "javascript:" not in page and " onclick=" not in page


def inline_scripts(page: str) -> list[str]:
    return re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)


def test_the_inline_scripts_of_list_pages_carry_the_answer_s_nonce(make, login):
    make.user("ivan", roles.INITIATOR)
    answer = login("ivan").get("/invoices/list/")
    nonce = re.search(r"'nonce-([^']+)'", answer.headers["Content-Security-Policy"]).group(1)
    scripts = inline_scripts(answer.get_data(as_text=True))
    assert scripts, "Flask-AppBuilder's list page has inline scripts"
    assert all(f'nonce="{nonce}"' in attributes for attributes in scripts)


def test_each_answer_has_a_nonce_of_its_own_and_anonymous_pages_are_covered(client):
    first, second = client.get("/login/"), client.get("/login/")
    nonces = [
        re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]) for r in (first, second)
    ]
    assert nonces[0].group(1) != nonces[1].group(1)
    assert client.get("/no-such-page").headers["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_where_configured_as_production_does(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login/").headers
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    assert client.get("/login/").headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )
    assert ProductionConfig.HSTS_SECONDS >= 180 * 24 * 3600
