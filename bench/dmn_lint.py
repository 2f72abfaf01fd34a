"""How long the check takes for a version's decision tables: the example table, and a table of
many rules over two numeric and one text column (the coverage grid is largest there).

Prints wall-clock and CPU time per check; the machine is shared, so wall-clock is noisy and the
CPU figure is the one to compare. Run: PYTHONPATH=. .venv/bin/python bench/dmn_lint.py
Above MAX_CELLS sample points (app/workflow/dmn_coverage.py) overlaps and gaps are not checked.
"""

from __future__ import annotations

import time
from pathlib import Path

from app.workflow.dmn import decision_files_beside
from app.workflow.dmn_lint import decision_problems
from app.workflow.xml import parse_bpmn

VARIANT = Path(__file__).parents[1] / "processes" / "variants" / "invoice_with_rules.bpmn"
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="Big"
             namespace="http://invoiceflow.example/dmn">
  <decision id="approval_rules" name="Many rules">
    <decisionTable id="t" hitPolicy="UNIQUE">
      <input id="i1" label="Amount"><inputExpression id="e1" typeRef="number">
        <text>amount</text></inputExpression></input>
      <input id="i2" label="Days"><inputExpression id="e2" typeRef="number">
        <text>days</text></inputExpression></input>
      <input id="i3" label="Centre"><inputExpression id="e3" typeRef="string">
        <text>cost_centre</text></inputExpression></input>
      <output id="o" name="legal_review" typeRef="boolean"/>
"""


def big_table(rules: int) -> str:
    body = []
    for n in range(rules):
        low, high = n * 1000, (n + 1) * 1000
        body.append(
            f'<rule id="r{n}"><inputEntry id="a{n}">'
            f"<text>{low} &lt;= ? &lt; {high}</text></inputEntry>"
            f'<inputEntry id="b{n}"><text>&gt; {n % 7}</text></inputEntry>'
            f'<inputEntry id="c{n}"><text>"C{n % 5}"</text></inputEntry>'
            f'<outputEntry id="o{n}"><text>True</text></outputEntry></rule>'
        )
    return HEAD + "".join(body) + "</decisionTable></decision></definitions>"


def measure(label: str, tables: dict, runs: int = 20) -> None:
    root = parse_bpmn(VARIANT.read_text())
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(runs):
        found = decision_problems(root, tables)
    wall, cpu = (time.perf_counter() - wall) / runs, (time.process_time() - cpu) / runs
    print(f"{label:<38} {wall * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms CPU  {len(found)} problems")


if __name__ == "__main__":
    measure("example table (3 rules)", decision_files_beside(VARIANT))
    for rules in (20, 50, 100):
        measure(f"{rules} rules, 3 columns", {"big.dmn": big_table(rules)}, runs=5)
