"""The catalogue is found once per request and locale: a locale forced inside a request (a mail,
a mail link) reads its own language, and the request's language comes back after it."""

from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext

from app.i18n import _

TEMPLATE = "{{ _('Amount') }}"


def test_a_forced_locale_reads_its_own_language_and_the_request_gets_its_own_back(app):
    with app.test_request_context(headers={"Accept-Language": "ru"}), force_locale("ru"):
        assert gettext("Amount") == "Сумма"
        assert render_template_string(TEMPLATE) == "Сумма"
        with force_locale("en"):
            assert gettext("Amount") == "Amount"
            assert str(lazy_gettext("Amount")) == "Amount"
            assert render_template_string(TEMPLATE) == "Amount"
            assert str(_("Amount")) == "Amount"
        assert gettext("Amount") == "Сумма"
        assert render_template_string(TEMPLATE) == "Сумма"
        assert str(_("Amount")) == "Сумма"


def test_each_request_reads_its_readers_language(app):
    for language, amount in (("en", "Amount"), ("ru", "Сумма"), ("en", "Amount")):
        with app.test_request_context(), force_locale(language):
            assert gettext("Amount") == amount
            assert render_template_string(TEMPLATE) == amount
