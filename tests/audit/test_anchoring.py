"""Anchors: the chains' heads kept outside the database reveal what the chains alone cannot:
a deleted chain, deleted last events, a rewrite with recomputed hashes."""

from __future__ import annotations

import json
from datetime import timedelta

from app.models.audit import SYSTEM_CHAIN, invoice_chain
from app.models.base import utcnow
from app.services.audit_anchor_file import LATEST
from app.worker import work_once
from tests.audit.conftest import add_notes, rewrite_with_recomputed_hashes, run_sql


def anchored_chains(path) -> dict[str, int]:
    lines = [json.loads(line) for line in path.read_text().splitlines()[1:]]
    return {line["chain"]: line["length"] for line in lines if "chain" in line}


def anchor_problems(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("ANCHOR:")]


def written(anchor_dir) -> list[str]:
    return sorted(p.name for p in anchor_dir.glob("heads-*.jsonl") if p.name != LATEST)


def test_the_worker_anchors_the_heads_once_per_interval_and_only_after_new_events(
    app, anchor_dir, invoice_id
):
    start = utcnow()
    assert work_once(app, now=start)["anchored"] == 1
    assert anchored_chains(anchor_dir / LATEST)[invoice_chain(invoice_id)] == 1
    add_notes(app, invoice_id, 2)
    assert work_once(app, now=start + timedelta(seconds=60))["anchored"] == 0  # not due yet
    assert work_once(app, now=start + timedelta(seconds=301))["anchored"] == 1
    assert anchored_chains(anchor_dir / LATEST)[invoice_chain(invoice_id)] == 3
    assert work_once(app, now=start + timedelta(seconds=700))["anchored"] == 0  # nothing new
    assert len(written(anchor_dir)) == 2
    assert (anchor_dir / LATEST).read_bytes() == (anchor_dir / written(anchor_dir)[-1]).read_bytes()


def test_a_failing_anchor_step_leaves_timers_and_mail_running(app, tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("in the way")
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_DIR", str(not_a_folder / "anchors"))
    counts = work_once(app, now=utcnow())
    assert counts["anchored"] == 0
    assert counts["timers"] is not None and "sent" in counts


def test_an_untouched_trail_passes_against_its_anchor_and_newer_chains_are_not_yet_anchored(
    cli, app, anchor_dir, make, ivan, invoice_id
):
    assert cli("audit", "anchor").exit_code == 0
    add_notes(app, invoice_id, 2)  # the chain grew since: fine
    later = make.invoice(ivan, make.counterparty(), amount="5")
    result = cli("audit", "verify", "--heads", str(anchor_dir))
    assert result.exit_code == 0, result.output
    assert "0 chains contradict the anchor." in result.output
    assert f"1 chains not yet anchored (newer than the anchor): {invoice_chain(later)}" in (
        result.output
    )
    assert "no HMAC" in result.output


def test_deleting_the_last_events_of_a_chain_is_caught(cli, app, anchor_dir, invoice_id):
    add_notes(app, invoice_id, 3)
    cli("audit", "anchor")
    run_sql(app, "DELETE FROM audit_event WHERE sequence > 2 AND invoice_id = :i", i=invoice_id)
    assert cli("audit", "verify").exit_code == 0  # the chain alone still holds together
    result = cli("audit", "verify", "--heads", str(anchor_dir))
    assert result.exit_code == 1
    assert (
        f"ANCHOR: Chain {invoice_chain(invoice_id)} lost its last events: the database ends at "
        "event 2, the anchor holds 4 (events 3 to 4 were deleted)." in result.output
    )


def test_deleting_a_whole_chain_is_caught(cli, app, anchor_dir, make, ivan, invoice_id):
    make.invoice(ivan, make.counterparty(), amount="7")  # another chain, left alone
    cli("audit", "anchor")
    run_sql(app, "DELETE FROM audit_event WHERE invoice_id = :i", i=invoice_id)
    assert cli("audit", "verify").exit_code == 0
    result = cli("audit", "verify", "--heads", str(anchor_dir))
    assert result.exit_code == 1
    assert anchor_problems(result.output) == [
        f"ANCHOR: Chain {invoice_chain(invoice_id)} was deleted: the anchor holds 1 events, "
        "the database none."
    ]


def test_a_rewrite_with_recomputed_hashes_is_caught(cli, app, anchor_dir, invoice_id):
    add_notes(app, invoice_id, 3)
    cli("audit", "anchor")
    rewrite_with_recomputed_hashes(app, invoice_chain(invoice_id), 2, {"n": 99})
    assert cli("audit", "verify").exit_code == 0  # every link holds again
    result = cli("audit", "verify", "--heads", str(anchor_dir / LATEST))
    assert result.exit_code == 1
    assert (
        f"ANCHOR: Chain {invoice_chain(invoice_id)} was rewritten: the hash of event 4 differs "
        "from the head the anchor holds (its hashes were recomputed)." in result.output
    )


def test_the_system_chain_is_anchored_too(cli, app, anchor_dir):
    add_notes(app, None, 2)
    cli("audit", "anchor")
    rewrite_with_recomputed_hashes(app, SYSTEM_CHAIN, 1, {"n": "forged"})
    result = cli("audit", "verify", "--heads", str(anchor_dir))
    assert result.exit_code == 1
    assert f"Chain {SYSTEM_CHAIN} was rewritten: the hash of event 2" in result.output


def test_the_worker_never_anchors_a_trail_that_contradicts_its_last_anchor(
    cli, app, anchor_dir, make, ivan, invoice_id
):
    start = utcnow()
    add_notes(app, invoice_id, 3)
    work_once(app, now=start)
    run_sql(app, "DELETE FROM audit_event WHERE sequence = 4 AND invoice_id = :i", i=invoice_id)
    make.invoice(ivan, make.counterparty(), amount="9")  # new events: the anchor would be due
    assert work_once(app, now=start + timedelta(seconds=301))["anchored"] == 0
    assert len(written(anchor_dir)) == 1
    result = cli("audit", "anchor")
    assert result.exit_code == 1
    assert "contradicts the anchor" in result.output and "lost its last events" in result.output
    assert "lost its last events" in cli("audit", "verify", "--heads", str(anchor_dir)).output


def test_an_anchor_with_a_wrong_hmac_is_refused(cli, app, anchor_dir, hmac_key, invoice_id):
    assert cli("audit", "anchor").exit_code == 0
    assert "HMAC ok" in cli("audit", "verify", "--heads", str(anchor_dir)).output
    anchor = anchor_dir / LATEST
    lines = anchor.read_text().splitlines(keepends=True)
    forged = json.loads(lines[1]) | {"length": 7}
    anchor.write_text(lines[0] + json.dumps(forged) + "\n" + lines[2])
    result = cli("audit", "verify", "--heads", str(anchor))
    assert result.exit_code == 1
    assert (
        f"ANCHOR REFUSED: The anchor {anchor} is refused: its HMAC does not match (the file "
        "was altered or written with another key)." in result.output
    )


def test_an_anchor_without_hmac_is_refused_when_a_key_is_set(
    cli, app, anchor_dir, invoice_id, monkeypatch
):
    cli("audit", "anchor")  # no key yet
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_HMAC_KEY", "a-key-set-later")
    result = cli("audit", "verify", "--heads", str(anchor_dir))
    assert result.exit_code == 1
    assert "carries no HMAC although an HMAC key is set: it is refused." in result.output


def test_a_file_that_is_not_an_anchor_is_refused(cli, tmp_path, invoice_id):
    bogus = tmp_path / "heads.txt"
    bogus.write_text("invoice:1\t1\tabc\tok\n")
    result = cli("audit", "verify", "--heads", str(bogus))
    assert result.exit_code == 1
    assert f"ANCHOR REFUSED: The anchor {bogus} is not a heads file" in result.output


def test_anchoring_needs_a_place_to_write(cli, tmp_path, invoice_id):
    refused = cli("audit", "anchor")
    assert refused.exit_code == 1 and "Set AUDIT_ANCHOR_DIR or give --to FILE." in refused.output
    target = tmp_path / "heads.jsonl"
    result = cli("audit", "anchor", "--to", str(target))
    assert result.exit_code == 0 and f"chains written to {target}." in result.output
    assert invoice_chain(invoice_id) in anchored_chains(target)
    assert cli("audit", "verify", "--heads", str(target)).exit_code == 0
