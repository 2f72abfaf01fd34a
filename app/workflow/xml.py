"""Parsing untrusted BPMN: no entities, no network, bounded size (no XXE, no billion laughs)."""

from __future__ import annotations

import hashlib

from lxml import etree

from app.i18n import _

MAX_BPMN_BYTES = 1024 * 1024


class UnsafeXmlError(ValueError):
    """`message` is translatable (`app.i18n._`); `rule` names what the file breaks."""

    def __init__(self, message, rule: str, line: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.rule = rule
        self.line = line


def parse_bpmn(xml: str | bytes, max_bytes: int = MAX_BPMN_BYTES) -> etree._Element:
    data = xml.encode() if isinstance(xml, str) else xml
    if len(data) > max_bytes:
        message = _(
            "The diagram is larger than %(limit)s KB: split it into smaller processes, or "
            "remove what it does not need (unused definitions, long documentation).",
            limit=max_bytes // 1024,
        )
        raise UnsafeXmlError(message, "xml-size")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        message = _(
            "DOCTYPE and ENTITY declarations are not allowed in a diagram: remove them (a "
            "diagram saved by a BPMN editor has none)."
        )
        raise UnsafeXmlError(message, "xml-entities")
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
        message = _(
            "The file is not well-formed XML (%(reason)s): correct it at the line shown, or "
            "save the diagram again from a BPMN editor.",
            reason=exc.msg,
        )
        raise UnsafeXmlError(message, "xml-well-formed", exc.lineno) from exc


XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# The one place where the order of child elements means something: an edge's waypoints.
BPMN_EDGE = "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge"
# The editor adds an empty label to a shape whose name was edited: it says nothing.
BPMN_LABEL = "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNLabel"


def content_digest(xml: str | bytes) -> str:
    """A digest equal for two diagrams that say the same however they are written: namespace
    prefixes, attribute order, the order of sibling elements (the editor writes shapes in the
    order it draws them), empty labels, indentation, comments and the XML declaration aside. A
    file saved again by the editor says what the file it opened said. Raises UnsafeXmlError."""
    children: list[list[str]] = [[]]
    for event, element in etree.iterwalk(parse_bpmn(xml), events=("start", "end")):
        if not isinstance(element.tag, str):  # comments and processing instructions
            continue
        if event == "start":
            children.append([])
            continue
        parts = children.pop()
        if element.tag != BPMN_EDGE:
            parts.sort()
        attributes = sorted(
            (name, _qualified(element, name, value)) for name, value in element.attrib.items()
        )
        text = (element.text or "").strip()
        if element.tag == BPMN_LABEL and not (attributes or text or parts):
            continue
        node = repr((element.tag, attributes, text, parts))
        children[-1].append(hashlib.sha256(node.encode()).hexdigest())
    return children[0][0]


def _qualified(element, name: str, value: str) -> str:
    """xsi:type names a type by prefix: compare the namespace it stands for instead."""
    if name != XSI_TYPE:
        return value
    prefix, _, local = value.rpartition(":")
    return f"{{{element.nsmap.get(prefix or None, '')}}}{local}"
