"""Decision tables (DMN) kept with a process version: hashed, parsed and run with its diagram.

A version holds its DMN files beside the BPMN ({file name: XML}); a business-rule task names a
table by its decision id (`spiffworkflow:calledDecisionId`). The tables' expressions run in the
same restricted script engine as every other expression of the diagram.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from app.workflow.xml import parse_bpmn

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
