"""Parsing untrusted BPMN: no entities, no network, bounded size (no XXE, no billion laughs)."""

from __future__ import annotations

from lxml import etree

MAX_BPMN_BYTES = 1024 * 1024


class UnsafeXmlError(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse_bpmn(xml: str | bytes, max_bytes: int = MAX_BPMN_BYTES) -> etree._Element:
    data = xml.encode() if isinstance(xml, str) else xml
    if len(data) > max_bytes:
        raise UnsafeXmlError(f"the diagram is larger than {max_bytes // 1024} KB")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise UnsafeXmlError("DOCTYPE and ENTITY declarations are not allowed in a diagram")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXmlError(f"not well-formed XML: {exc.msg}", exc.lineno) from exc
