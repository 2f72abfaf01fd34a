"""`flask storage`: the file storage (moving the folder's files to a bucket)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db


@click.group("storage")
def storage_group():
    """The file storage (FILE_STORAGE)."""


@storage_group.command("migrate")
@click.option(
    "--from-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to move from (default: FILE_STORAGE_DIR).",
)
@with_appcontext
def storage_migrate(from_dir: Path | None):
    """Copy every stored file from the folder to the S3 bucket (S3_* settings), check each
    copy's SHA-256, and report. Rerun until it finishes; then set FILE_STORAGE=s3."""
    from app.services.migrate_file_storage import migrate_file_storage
    from app.storage import LocalFileStorage, StorageUnavailableError, bucket_from_config

    config = current_app.config
    source = LocalFileStorage(from_dir or config["FILE_STORAGE_DIR"])
    try:
        target = bucket_from_config(config)
    except ValueError as exc:
        raise click.ClickException(f"{exc}: set the S3_* settings of the bucket.") from exc
    click.echo(f"Moving files from {source} to {target}.")
    try:
        move = migrate_file_storage(db.session, source, target)
    except StorageUnavailableError as exc:
        raise click.ClickException(f"The file storage cannot be reached: {exc.reason}") from exc
    for problem in move.problems:
        click.echo(
            f"FILE: invoice #{problem.invoice_number or problem.invoice_id}, "
            f"{problem.filename!r} (storage key {problem.storage_key}): {problem.message}."
        )
    click.echo(
        f"{move.checked} files: {move.copied} copied, {move.already_there} already in the bucket, "
        f"{len(move.problems)} with problems."
    )
    if not move.finished:
        click.echo("NOT FINISHED: resolve the problems above and run it again.")
        sys.exit(1)
    click.echo("Every file is in the bucket with its recorded SHA-256. Now set FILE_STORAGE=s3.")
