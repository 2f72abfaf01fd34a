"""`flask` commands: security bootstrap, demo data, audit verification, invoices."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.errors import InvoiceFlowError, ValidationError
from app.extensions import db


def register(app) -> None:
    app.cli.add_command(init_security)
    app.cli.add_command(demo_data)
    app.cli.add_command(audit_group)
    app.cli.add_command(invoice_group)
    app.cli.add_command(process_group)
    app.cli.add_command(worker)
    from app.cli_users import user_group  # noqa: PLC0415 - accounts (password rules)

    app.cli.add_command(user_group)
    from app.cli_storage import storage_group  # noqa: PLC0415 - file storage (boto3)

    app.cli.add_command(storage_group)


@click.command("init-security")
@with_appcontext
def init_security():
    """Create roles and permissions (idempotent; run after every deploy)."""
    from app.role_defaults import seed_roles

    created = seed_roles(current_app.appbuilder)
    click.echo(f"Roles ready; created: {', '.join(created) or 'none'}.")


@click.command("demo-data")
@with_appcontext
def demo_data():
    """Seed demo users, counterparties and invoices once (development only)."""
    from app.demo import DEMO_USERS, seed_demo

    if not current_app.config["DEMO_DATA"]:
        raise click.ClickException("Demo data is for development only (DEMO_DATA is off).")
    created = seed_demo(current_app.appbuilder, current_app.config["DEMO_PASSWORD"])
    click.echo("Demo data created." if created else "Demo data already present; nothing added.")
    click.echo("Demo logins (password 'demo', development only):")
    for username, _first, _last, role in DEMO_USERS:
        click.echo(f"  {username:10} {role}")


@click.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
@click.option(
    "--heads",
    type=click.Path(exists=True, path_type=Path),
    help="An anchor file, or a folder of them (its chain is checked and its newest used).",
)
@click.option("--skip-files", is_flag=True, help="Do not re-hash the stored files (faster).")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 on warnings too (events left unanchored longer than the worker allows).",
)
@click.option(
    "--require-signature",
    is_flag=True,
    help="Exit 1 unless the anchor's HMAC is checked with AUDIT_ANCHOR_HMAC_KEY.",
)
@with_appcontext
def audit_verify(heads: Path | None, skip_files: bool, strict: bool, require_signature: bool):
    """Walk every hash chain and print its head; compare with an anchor; re-hash every stored
    file. Exit 1 when anything is wrong."""
    from app.models.base import utcnow
    from app.services.audit_anchor import AnchorSettings
    from app.services.verify_audit import verify_audit_trail
    from app.storage import configured_storage

    storage = None if skip_files else configured_storage(current_app)
    verdict = verify_audit_trail(
        db.session,
        None,
        utcnow(),
        heads,
        AnchorSettings.from_config(current_app.config),
        storage,
        strict=strict,
        require_signature=require_signature,
    )
    for report in verdict.chains:
        state = f"BROKEN at {report.broken_at}: {report.problem}" if report.broken_at else "ok"
        click.echo(f"{report.chain}\t{report.length}\t{report.head}\t{state}")
    _echo_anchor(verdict, heads)
    _echo_files(verdict.files)
    click.echo(f"{len(verdict.chains)} chains, {len(verdict.broken)} broken.")
    click.echo("Audit trail verified: no problem found." if verdict.ok else "PROBLEMS FOUND.")
    if not verdict.ok:
        sys.exit(1)


def _echo_anchor(verdict, heads: Path | None) -> None:
    if heads is None:
        click.echo("Heads not compared with an anchor (give --heads FILE).")
        return
    _echo_folder(verdict.folder)
    if verdict.anchor_refused:
        click.echo(f"ANCHOR REFUSED: {verdict.anchor_refused}")
        return
    anchor = verdict.anchor
    seal = {True: "HMAC ok", None: "HMAC not checked: no key is set", False: "no HMAC"}
    click.echo(
        f"Anchor {anchor.path}, written {anchor.written_at:%Y-%m-%d %H:%M:%S} UTC, "
        f"{len(anchor.chains)} chains, {seal[anchor.signed]}."
    )
    if anchor.signed is False:
        click.echo(
            "The anchors are unsigned: anyone who can write the anchor folder can write one "
            "that passes. Set AUDIT_ANCHOR_HMAC_KEY, or give --require-signature to fail here."
        )
    elif anchor.signed is None:
        click.echo(
            "The anchor's signature is not checked without AUDIT_ANCHOR_HMAC_KEY: it proves "
            "nothing here. Set the key, or give --require-signature to fail here."
        )
    if verdict.unsigned:
        click.echo(f"SIGNATURE: {verdict.unsigned}")
    for problem in verdict.anchor_problems:
        click.echo(f"ANCHOR: {problem.message}")
    if verdict.not_anchored:
        click.echo(
            f"{len(verdict.not_anchored)} chains not yet anchored (newer than the anchor): "
            + ", ".join(verdict.not_anchored[:10])
            + (" ..." if len(verdict.not_anchored) > 10 else "")
        )
    click.echo(f"{len(verdict.anchor_problems)} chains contradict the anchor.")
    for warning in verdict.warnings:
        click.echo(f"WARNING: {warning}")


def _echo_folder(folder) -> None:
    if folder is None:
        return
    for problem in folder.problems:
        click.echo(f"ANCHOR FOLDER: {problem}")
    first, last = folder.sequences
    chained = f", anchors {first} to {last}" if first is not None else ""
    state = "chain whole" if not folder.problems else "chain NOT whole"
    click.echo(f"Anchor folder {folder.directory}: {len(folder.links)} anchors{chained}, {state}.")


def _echo_files(files) -> None:
    if files is None:
        click.echo("Stored files not re-hashed (--skip-files).")
        return
    for problem in files.problems:
        click.echo(
            f"FILE: invoice #{problem.invoice_number or problem.invoice_id}, "
            f"{problem.filename!r} (storage key {problem.storage_key}): {problem.message}."
        )
    click.echo(f"{files.checked} stored files re-hashed, {len(files.problems)} with problems.")


@audit_group.command("anchor")
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write this one file instead of a new file in AUDIT_ANCHOR_DIR.",
)
@click.option(
    "--accept-gap",
    is_flag=True,
    help="Write although events were left unanchored longer than the worker allows (after a "
    "stopped worker; compare the folder with its off-host copy first).",
)
@with_appcontext
def audit_anchor(target: Path | None, accept_gap: bool):
    """Write every chain's head now to the anchor folder (or --to FILE)."""
    from app.models.base import utcnow
    from app.services.anchor_audit_trail import anchor_audit_trail
    from app.services.audit_anchor import AnchorSettings

    settings = AnchorSettings.from_config(current_app.config)
    if target is None and not settings.directory:
        raise click.ClickException("Set AUDIT_ANCHOR_DIR or give --to FILE.")
    try:
        path, chains = anchor_audit_trail(
            db.session, None, utcnow(), settings, file=target, accept_gap=accept_gap
        )
    except InvoiceFlowError as exc:
        raise click.ClickException(str(exc.message)) from exc
    except OSError as exc:
        raise click.ClickException(f"The anchor cannot be written: {exc}") from exc
    click.echo(f"Heads of {chains} chains written to {path}.")


@click.group("invoice")
def invoice_group():
    """Invoices from the terminal, with the same rules as the UI and the API."""


@invoice_group.command("create")
@click.option("--user", "username", required=True, help="Acting user's login.")
@click.option("--data", "raw", required=True, help="Card fields as JSON.")
@with_appcontext
def invoice_create(username: str, raw: str):
    from app.services.create_invoice import create_invoice
    from app.services.invoice_input import InvoicePolicy

    actor = current_app.appbuilder.sm.find_user(username=username)
    if actor is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        data = json.loads(raw)
        saved = create_invoice(
            db.session, actor, data, InvoicePolicy.from_config(current_app.config)
        )
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--data is not JSON: {exc}") from exc
    except ValidationError as exc:
        for field, messages in exc.errors.items():
            click.echo(f"{field}: {' '.join(str(m) for m in messages)}", err=True)
        sys.exit(2)
    except InvoiceFlowError as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Invoice #{saved.invoice.number} created.")


@click.group("process")
def process_group():
    """BPMN processes and their versions."""


@process_group.command("seed")
@with_appcontext
def process_seed():
    """Give each processes/*.bpmn without a version its file as version 1 (never overrides)."""
    from app.services.process_versions import seed_process_versions

    seeded = seed_process_versions(db.session, current_app.config["PROCESSES_DIR"])
    click.echo(f"Processes seeded: {', '.join(seeded) or 'none (all have versions)'}.")


@click.command("worker")
@click.option("--once", is_flag=True, help="One pass, then exit.")
def worker(once: bool):
    """Deliver the mail outbox; several workers may run at once on PostgreSQL."""
    import threading

    from app.worker import run_forever, work_once

    app = current_app._get_current_object()
    if once:
        click.echo(f"outbox: {work_once(app)}")
        return
    click.echo("Worker running; Ctrl+C stops it.")
    try:
        run_forever(app, threading.Event())
    except KeyboardInterrupt:
        click.echo("Worker stopped.")


@process_group.command("lint")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--process",
    "process_id",
    default=None,
    help="The process to check when the file holds several (default: the file's own).",
)
@with_appcontext
def process_lint(path: str, process_id: str | None):
    """Check a diagram: every problem at once; exit status 1 when it has errors."""
    from pathlib import Path

    from app.workflow.lint import executable_processes, has_errors, lint

    xml = Path(path).read_bytes().decode("utf-8", "replace")
    roles = _roles_if_migrated()
    found = executable_processes(xml)
    if process_id is None and len(found) == 1:
        process_id = found[0]
    if process_id is None and len(found) > 1:
        click.echo(f"Checking every process of the file: {', '.join(found)}.")
    problems = lint(xml, roles, process_id)
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(problems)} problem(s).")
    if roles is None:
        click.echo("Lanes were not checked against roles.")
    if has_errors(problems):
        sys.exit(1)


def _roles_if_migrated() -> set[str] | None:
    """The roles lanes name, or None (said on stderr) on a database not set up yet."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from app.services.publish_process import existing_roles

    try:
        return existing_roles(db.session)
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        click.echo(
            "The database is not set up yet, so roles cannot be read: run `flask db upgrade` "
            "and `flask init-security`, then check again to have lanes checked against roles.",
            err=True,
        )
        return None


@process_group.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--note", required=True, help="What changed, in a few words.")
@click.option("--process", "process_id", default="invoice_approval")
@with_appcontext
def process_publish(path: str, note: str, process_id: str):
    """Lint and publish a diagram, with its decision tables (`<stem>.*.dmn` beside it), as the
    current version for new invoices."""
    from pathlib import Path

    from app.services.publish_process import DiagramRejectedError, publish_process
    from app.workflow.dmn import decision_files_beside

    xml = Path(path).read_bytes().decode("utf-8", "replace")
    try:
        version = publish_process(
            db.session, None, xml, note, process_id, decision_files_beside(Path(path)) or None
        )
    except DiagramRejectedError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    except ValidationError as exc:
        raise click.ClickException(
            " ".join(str(m) for v in exc.errors.values() for m in v)
        ) from exc
    click.echo(f"Published {process_id} version {version.version}.")
