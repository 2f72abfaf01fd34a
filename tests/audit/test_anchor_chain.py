"""The anchors form a chain: each names its sequence number and the SHA-256 of the anchor before
it, under its HMAC. An older anchor put back, a removed or replaced one, a missing
heads-latest.jsonl are caught from the folder; a folder rolled back whole is caught from the
events the database holds that no anchor does, although the worker would have anchored them."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from app.models.base import utcnow
from app.services.audit_anchor_file import LATEST
from app.worker import work_once
from tests.audit.conftest import add_notes, header, run_sql, timestamped

DELETE_NOTES = "DELETE FROM audit_event WHERE sequence > 1 AND invoice_id = :i"


def anchor_now(app) -> int:
    return work_once(app, now=utcnow())["anchored"]


def verify(cli, anchor_dir, *options):
    return cli("audit", "verify", "--heads", str(anchor_dir), "--skip-files", *options)


def two_anchors_around_three_notes(app, clock, anchor_dir, invoice_id):
    """The worker anchors, three events are added (a payment and its approvals), the worker
    anchors again an interval later."""
    assert anchor_now(app) == 1
    clock.shift(timedelta(seconds=60))
    add_notes(app, invoice_id, 3)
    clock.shift(timedelta(seconds=241))
    assert anchor_now(app) == 1
    return timestamped(anchor_dir)


def test_each_anchor_names_its_sequence_and_the_digest_of_the_one_before_under_its_hmac(
    frozen_clock, cli, app, anchor_dir, hmac_key, invoice_id
):
    first, second = two_anchors_around_three_notes(app, frozen_clock, anchor_dir, invoice_id)
    assert header(first)["sequence"] == 1 and header(first)["previous_sha256"] is None
    assert header(second)["sequence"] == 2
    assert header(second)["previous_sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    result = verify(cli, anchor_dir, "--strict", "--require-signature")
    assert result.exit_code == 0, result.output
    assert f"Anchor folder {anchor_dir}: 2 anchors, anchors 1 to 2, chain whole." in result.output
    # the link is signed: renumbering the newest breaks its HMAC
    lines = second.read_text().splitlines(keepends=True)
    renumbered = json.dumps(json.loads(lines[0]) | {"sequence": 7}) + "\n"
    for path in (second, anchor_dir / LATEST):
        path.write_text(renumbered + "".join(lines[1:]))
    result = verify(cli, anchor_dir)
    assert result.exit_code == 1
    assert f"ANCHOR REFUSED: The anchor {second} is refused: its HMAC does not match" in (
        result.output
    )


def test_an_older_signed_anchor_put_back_in_place_of_the_newer_ones_is_caught(
    frozen_clock, cli, app, anchor_dir, hmac_key, make, ivan, invoice_id, caplog
):
    assert anchor_now(app) == 1
    first = timestamped(anchor_dir)[0]
    kept = first.read_bytes()
    frozen_clock.shift(timedelta(seconds=60))
    add_notes(app, invoice_id, 3)  # the payment and its approvals
    make.invoice(ivan, make.counterparty(), amount="7")  # other work goes on meanwhile
    other_work_at = utcnow()
    frozen_clock.shift(timedelta(seconds=241))
    assert anchor_now(app) == 1
    frozen_clock.shift(timedelta(seconds=700))
    # the attacker writes to the database and to the anchor folder, without the key
    run_sql(app, DELETE_NOTES, i=invoice_id)
    assert verify(cli, anchor_dir).exit_code == 1
    for path in timestamped(anchor_dir)[1:]:
        path.unlink()
    (anchor_dir / LATEST).write_bytes(kept)

    result = verify(cli, anchor_dir)
    assert result.exit_code == 0, result.output  # it may also be a worker stopped for long
    assert (
        f"WARNING: Events since {other_work_at:%Y-%m-%d %H:%M:%S} UTC are not anchored "
        "although the worker anchors every 300 s: anchors may have been removed." in result.output
    )
    assert verify(cli, anchor_dir, "--strict").exit_code == 1
    # and the worker does not sign the truncated trail in a fresh anchor
    add_notes(app, None, 1)
    with caplog.at_level(logging.ERROR, logger="app.worker"):
        assert anchor_now(app) == 0
    assert "not anchored although the worker anchors every 300 s" in caplog.text
    frozen_clock.shift(timedelta(seconds=400))
    assert anchor_now(app) == 0
    assert timestamped(anchor_dir) == [first]
    assert verify(cli, anchor_dir, "--strict").exit_code == 1


def test_an_older_anchor_copied_over_heads_latest_is_caught_and_the_worker_stops(
    frozen_clock, cli, app, anchor_dir, hmac_key, invoice_id
):
    first, second = two_anchors_around_three_notes(app, frozen_clock, anchor_dir, invoice_id)
    run_sql(app, DELETE_NOTES, i=invoice_id)
    (anchor_dir / LATEST).write_bytes(first.read_bytes())
    result = verify(cli, anchor_dir)
    assert result.exit_code == 1
    assert (
        f"ANCHOR FOLDER: heads-latest.jsonl is anchor 1, behind the newest anchor {second.name} "
        "(anchor 2): an older anchor was put back in its place." in result.output
    )
    assert "lost its last events" in result.output  # held against the newest anchor
    add_notes(app, None, 1)
    frozen_clock.shift(timedelta(seconds=301))
    assert anchor_now(app) == 0
    assert timestamped(anchor_dir) == [first, second]
    refused = cli("audit", "anchor")
    assert refused.exit_code == 1
    assert f"The anchor folder {anchor_dir} is not whole, so no newer anchor is written" in (
        refused.output
    )


def test_an_anchor_removed_from_the_middle_of_the_chain_is_caught(
    frozen_clock, cli, app, anchor_dir, invoice_id
):
    two_anchors_around_three_notes(app, frozen_clock, anchor_dir, invoice_id)
    add_notes(app, invoice_id, 1)
    frozen_clock.shift(timedelta(seconds=301))
    assert anchor_now(app) == 1
    first, second, third = timestamped(anchor_dir)
    second.unlink()
    result = verify(cli, anchor_dir)
    assert result.exit_code == 1
    assert (
        f"ANCHOR FOLDER: Anchor 2 is missing between {first.name} and {third.name}."
        in result.output
    )


def test_an_older_anchor_replaced_by_another_breaks_the_chain(
    frozen_clock, cli, app, anchor_dir, hmac_key, invoice_id
):
    first, second = two_anchors_around_three_notes(app, frozen_clock, anchor_dir, invoice_id)
    lines = first.read_text().splitlines(keepends=True)
    first.write_text(lines[0] + json.dumps(json.loads(lines[1]) | {"length": 9}) + "\n" + lines[2])
    result = verify(cli, anchor_dir)
    assert result.exit_code == 1
    assert (
        f"ANCHOR FOLDER: {second.name} does not follow {first.name}: the SHA-256 it records "
        "of the anchor before it differs (that anchor was replaced)." in result.output
    )


def test_a_missing_heads_latest_is_caught_and_the_worker_stops(
    frozen_clock, cli, app, anchor_dir, invoice_id
):
    two_anchors_around_three_notes(app, frozen_clock, anchor_dir, invoice_id)
    (anchor_dir / LATEST).unlink()
    result = verify(cli, anchor_dir)
    assert result.exit_code == 1
    assert f"ANCHOR FOLDER: heads-latest.jsonl is missing from {anchor_dir}." in result.output
    add_notes(app, invoice_id, 1)
    frozen_clock.shift(timedelta(seconds=301))
    assert anchor_now(app) == 0 and len(timestamped(anchor_dir)) == 2


def test_unsigned_anchors_are_said_to_be_and_fail_when_a_signature_is_required(
    cli, app, anchor_dir, invoice_id, monkeypatch
):
    assert cli("audit", "anchor").exit_code == 0
    result = verify(cli, anchor_dir)
    assert result.exit_code == 0
    assert "The anchors are unsigned: anyone who can write the anchor folder can write one" in (
        result.output
    )
    refused = verify(cli, anchor_dir, "--require-signature")
    assert refused.exit_code == 1
    assert f"SIGNATURE: The anchor {timestamped(anchor_dir)[0]} is unsigned" in refused.output


def test_a_signature_cannot_count_without_the_key_to_check_it(
    cli, app, anchor_dir, invoice_id, monkeypatch
):
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_HMAC_KEY", "the-key")
    assert cli("audit", "anchor").exit_code == 0
    assert verify(cli, anchor_dir, "--require-signature").exit_code == 0
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_HMAC_KEY", None)
    assert verify(cli, anchor_dir).exit_code == 0
    refused = verify(cli, anchor_dir, "--require-signature")
    assert refused.exit_code == 1
    assert "carries an HMAC, but no AUDIT_ANCHOR_HMAC_KEY is set to check it" in refused.output


def test_after_a_long_stop_of_the_worker_anchoring_resumes_only_when_told(
    frozen_clock, cli, app, anchor_dir, hmac_key, invoice_id
):
    assert anchor_now(app) == 1
    frozen_clock.shift(timedelta(seconds=60))
    add_notes(app, invoice_id, 2)
    frozen_clock.shift(timedelta(hours=2))  # the worker was stopped
    assert anchor_now(app) == 0
    assert "WARNING: Events since" in verify(cli, anchor_dir).output
    refused = cli("audit", "anchor")
    assert refused.exit_code == 1 and "flask audit anchor --accept-gap" in refused.output
    assert cli("audit", "anchor", "--accept-gap").exit_code == 0
    result = verify(cli, anchor_dir, "--strict")
    assert result.exit_code == 0, result.output
    assert "anchors 1 to 2, chain whole" in result.output
    add_notes(app, invoice_id, 1)
    frozen_clock.shift(timedelta(seconds=301))
    assert anchor_now(app) == 1  # the worker goes on by itself


def test_a_folder_of_the_unchained_format_is_continued_by_a_chain(
    frozen_clock, cli, app, anchor_dir, invoice_id
):
    assert cli("audit", "anchor").exit_code == 0
    (old,) = timestamped(anchor_dir)
    lines = old.read_text().splitlines(keepends=True)
    unchained = json.loads(lines[0]) | {"format": "invoiceflow-audit-heads/1"}
    del unchained["sequence"], unchained["previous_sha256"]
    for path in (old, anchor_dir / LATEST):
        path.write_text(json.dumps(unchained) + "\n" + "".join(lines[1:]))
    frozen_clock.shift(timedelta(seconds=60))
    add_notes(app, invoice_id, 1)
    frozen_clock.shift(timedelta(seconds=241))
    assert anchor_now(app) == 1
    new = timestamped(anchor_dir)[1]
    assert header(new)["sequence"] == 1
    assert header(new)["previous_sha256"] == hashlib.sha256(old.read_bytes()).hexdigest()
    result = verify(cli, anchor_dir, "--strict")
    assert result.exit_code == 0, result.output
    assert "2 anchors, anchors 1 to 1, chain whole" in result.output


def test_an_anchor_with_a_malformed_link_is_refused_not_trusted(cli, app, anchor_dir, invoice_id):
    assert cli("audit", "anchor").exit_code == 0
    (anchor,) = timestamped(anchor_dir)
    lines = anchor.read_text().splitlines(keepends=True)
    malformed = json.dumps(json.loads(lines[0]) | {"sequence": "two"}) + "\n"
    for path in (anchor, anchor_dir / LATEST):
        path.write_text(malformed + "".join(lines[1:]))
    result = verify(cli, anchor_dir)
    assert result.exit_code == 1
    assert f"ANCHOR REFUSED: The anchor {anchor} is not a heads file (the sequence number is " in (
        result.output
    )


def test_a_single_anchor_file_is_chained_to_the_one_it_replaces(cli, app, tmp_path, invoice_id):
    target = tmp_path / "heads.jsonl"
    assert cli("audit", "anchor", "--to", str(target)).exit_code == 0
    first = target.read_bytes()
    add_notes(app, invoice_id, 1)
    assert cli("audit", "anchor", "--to", str(target)).exit_code == 0
    assert header(target)["sequence"] == 2
    assert header(target)["previous_sha256"] == hashlib.sha256(first).hexdigest()
    assert cli("audit", "verify", "--heads", str(target), "--skip-files").exit_code == 0
