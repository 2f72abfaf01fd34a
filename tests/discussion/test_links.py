"""Message text is escaped first; then only http(s) URLs become links."""

import pytest

from app.web.templating import linkify

A = '<a href="{0}" rel="nofollow noopener noreferrer" target="_blank">{0}</a>'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("see https://a.example/x", "see " + A.format("https://a.example/x")),
        ("http://a.example/?q=1&r=2.", A.format("http://a.example/?q=1&amp;r=2") + "."),
        ("(https://a.example)", "(" + A.format("https://a.example") + ")"),
        ("https://w.example/Foo_(bar)", A.format("https://w.example/Foo_(bar)")),
        ('http://a.example/"onclick=x', A.format("http://a.example/") + "&#34;onclick=x"),
        ("http://a.example/<b>", A.format("http://a.example/") + "&lt;b&gt;"),
        ("<i>x</i>", "&lt;i&gt;x&lt;/i&gt;"),
        ("javascript:alert(1) ftp://f.example data:text/html,x", None),
        ("http://...", "http://..."),
        ("line one\nline two", "line one\nline two"),
    ],
)
def test_linkify(text, html):
    expected = html if html is not None else text
    assert str(linkify(text)) == expected
