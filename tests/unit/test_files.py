import io
import zipfile

import pytest

from app.domain.files import FileContentError, safe_display_name, sniff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"Invoice 49\nAmount: 1 234,56\n", "text/plain"),
        ("Счёт № 49".encode(), "text/plain"),
    ],
)
def test_accepted_files_are_recognised_by_content(data, content_type):
    assert sniff(data).content_type == content_type


def test_an_office_document_is_recognised_by_content():
    assert "wordprocessingml" in sniff(docx_bytes()).content_type


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (ELF, "not accepted"),
        (WINDOWS_EXE, "not accepted"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "HTML"),
        (b"\x00\x01\x02\x03binary", "not a PDF"),
    ],
)
def test_other_content_is_refused_whatever_its_name(app, data, message):
    with app.test_request_context(), pytest.raises(FileContentError) as refused:
        sniff(data)
    assert message in str(refused.value.args[0])


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("invoice\x00.pdf", "invoice.pdf"),
        ("", "file"),
        ("..", "file"),
    ],
)
def test_file_names_lose_their_directories_and_control_characters(raw, shown):
    assert safe_display_name(raw) == shown
