"""`flask user ...`: accounts from the terminal, under the same password rules as the screens.

(Flask-AppBuilder's own `flask fab create-user` and `reset-password` do not apply the rules:
use these instead; `flask fab create-admin` is for the first account only.)
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.errors import InvoiceFlowError, ValidationError
from app.extensions import db


@click.group("user")
def user_group():
    """User accounts."""


def _policy():
    from app.services.passwords import PasswordPolicy  # noqa: PLC0415 - loads at use only

    return PasswordPolicy.from_config(current_app.config)


def _fail(exc: InvoiceFlowError):
    if isinstance(exc, ValidationError):
        lines = [f"{field}: {message}" for field, ms in exc.errors.items() for message in ms]
        raise click.ClickException("\n".join(lines))
    raise click.ClickException(str(exc.message))


@user_group.command("create")
@click.option("--username", required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--email", required=True)
@click.option("--role", "role_names", multiple=True, required=True, help="Repeat for more.")
@click.password_option(help="Asked for when not given (hidden, twice).")
@with_appcontext
def user_create(username, first_name, last_name, email, role_names, password):
    """Create a user whose password follows the rules."""
    from app.services.passwords import check_new_password  # noqa: PLC0415

    sm = current_app.appbuilder.sm
    try:
        check_new_password(password, username, _policy())
    except ValidationError as exc:
        _fail(exc)
    if sm.find_user(username=username) or sm.find_user(email=email):
        raise click.ClickException(f"A user {username} or with the address {email} exists.")
    roles = [sm.find_role(name) for name in role_names]
    if None in roles:
        raise click.ClickException(f"No such role among: {', '.join(role_names)}.")
    if not sm.add_user(username, first_name, last_name, email, roles, password=password):
        raise click.ClickException("The user could not be created.")
    click.echo(f"User {username} created.")


@user_group.command("set-password")
@click.option("--username", required=True)
@click.option("--must-change/--keep", default=True, help="Make them choose their own (default).")
@click.password_option(help="Asked for when not given (hidden, twice).")
@with_appcontext
def user_set_password(username, must_change, password):
    """Set a user's password (rules apply); their sessions end."""
    from app.services.passwords import set_password_by_admin  # noqa: PLC0415

    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None:
        raise click.ClickException(f"No user {username}.")
    try:
        set_password_by_admin(db.session, None, user.id, password, _policy(), must_change)
    except InvoiceFlowError as exc:
        _fail(exc)
    click.echo(f"Password of {username} set; their sessions were ended.")
