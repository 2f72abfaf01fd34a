"""A message kept as data (an incident's reason) reads in whichever language it is read later."""

from flask_babel import force_locale

from app.i18n import _, from_portable, portable


def test_a_kept_message_reads_in_the_readers_language_nested_parts_too(app):
    with app.test_request_context():
        with force_locale("en"):
            message = _(
                "after a rejection the process must end the invoice rejected; it went on to %(w)s",
                w=_("no task at all"),
            )
            kept = portable(message)
            assert from_portable(kept) == str(message)
        with force_locale("ru"):
            assert from_portable(kept) == (
                "после отклонения процесс должен завершить счёт как отклонённый, а он перешёл "
                "к: " + str(_("no task at all"))
            )
            assert "no task" not in from_portable(kept)


def test_plain_text_and_broken_data_read_as_they_are(app):
    with app.test_request_context():
        assert portable("Engine said: boom") == "Engine said: boom"
        assert from_portable("Engine said: boom") == "Engine said: boom"
        assert from_portable({"msgid": "%(x)s and %(y)s", "params": {"x": "1"}}) == (
            "%(x)s and %(y)s"
        )
        assert from_portable({"params": 5}) == "{'params': 5}"
        assert from_portable(None) == ""
