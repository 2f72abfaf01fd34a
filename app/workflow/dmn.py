"""Decision tables (DMN) kept with a process version: hashed, parsed and run with its diagram.

A version holds its DMN files beside the BPMN ({file name: XML}); a business-rule task names a
table by its decision id (`spiffworkflow:calledDecisionId`). The tables' expressions run in the
same restricted script engine as every other expression of the diagram.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from html import escape
from pathlib import Path

from lxml import etree

from app.i18n import _
from app.workflow.xml import UnsafeXmlError, parse_bpmn

DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
)
MAX_DECISION_FILES = 20


def version_sha256(bpmn_xml: str, decision_tables: Mapping[str, str] | None) -> str:
    """The content hash of a version: its diagram alone (as before DMN), or with its tables."""
    if not decision_tables:
        return hashlib.sha256(bpmn_xml.encode()).hexdigest()
    body = json.dumps({"bpmn": bpmn_xml, "dmn": dict(sorted(decision_tables.items()))})
    return hashlib.sha256(body.encode()).hexdigest()


def add_decision_tables(parser, decision_tables: Mapping[str, str] | None) -> None:
    """Give the parser every table of the version (parsed safely, as the diagram is)."""
    for name, xml in sorted((decision_tables or {}).items()):
        parser.add_dmn_xml(parse_bpmn(xml), filename=name)


def decision_files_beside(bpmn_path: Path) -> dict[str, str]:
    """The DMN files a diagram in processes/ ships with: `<stem>.*.dmn` next to it."""
    folder, stem = bpmn_path.parent, bpmn_path.stem
    found = sorted(folder.glob(f"{stem}.*.dmn")) + sorted(folder.glob(f"{stem}.dmn"))
    return {path.name: path.read_text(encoding="utf-8") for path in found}


def unreadable_table(name: str, xml: str):
    """Why a table is no DMN file at all (a message naming it), or None. What the check finds
    in a readable table (overlaps, types, expressions) is for the analyst to fix, not this."""
    try:
        root = parse_bpmn(xml)
    except UnsafeXmlError as exc:
        if exc.line:
            return _(
                "The decision table %(file)s cannot be read at line %(line)s: %(reason)s",
                file=name,
                line=exc.line,
                reason=exc.message,
            )
        return _(
            "The decision table %(file)s cannot be read: %(reason)s", file=name, reason=exc.message
        )
    if etree.QName(root).namespace not in DMN_NAMESPACES:
        return _("The file %(file)s is not a DMN decision table.", file=name)
    return None


# A new table in the editor: one input, one output, UNIQUE, and one rule answering every case,
# so it passes the check until the analyst writes real rules. The values come XML-escaped.
NEW_TABLE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="{id}_definitions" \
name="{name}" namespace="http://invoiceflow.example/dmn">
  <decision id="{id}" name="{name}">
    <decisionTable id="{id}_table" hitPolicy="UNIQUE">
      <input id="{id}_input" label="{input_label}">
        <inputExpression id="{id}_input_expression" typeRef="number">
          <text>amount</text>
        </inputExpression>
      </input>
      <output id="{id}_output" label="{output_label}" name="outcome" typeRef="string" />
      <rule id="{id}_rule_1">
        <inputEntry id="{id}_rule_1_input"><text>-</text></inputEntry>
        <outputEntry id="{id}_rule_1_output"><text>"approve"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""
DECISION_ID = r"^[A-Za-z][A-Za-z0-9_-]{0,62}$"  # an XML id a business-rule task can name


def new_decision_table(
    decision_id: str, name: str, input_label: str = "Amount", output_label: str = "Outcome"
) -> tuple[str, str]:
    """The file name and XML of a new table (what the editor's New decision table makes); the
    columns' labels in the analyst's language."""
    values = {"id": decision_id, "name": name, "input_label": input_label}
    values["output_label"] = output_label
    escaped = {key: escape(value, quote=True) for key, value in values.items()}
    return f"{decision_id}.dmn", NEW_TABLE.format(**escaped)
