"""What the app keeps beside Flask-AppBuilder's user and role rows to guard sign-in."""

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer

from app.models.base import utcnow
from app.models.sealed import SealedString


class UserSecurity(Model):
    """One row per user, created on first need.

    `session_generation` is copied into every session and token at sign-in; raising it ends them
    all at once, in every web process on every machine (each request compares the two).
    """

    __tablename__ = "user_security"

    user_id = Column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    session_generation = Column(Integer, nullable=False, default=1)
    password_changed_at = Column(DateTime)
    # Set by an admin's forced reset: the next sign-in must choose a new password first.
    must_change_password = Column(Boolean, nullable=False, default=False)
    # Base32 TOTP secret, sealed at rest; enrolled once confirmed with a first valid code.
    totp_secret = Column(SealedString())
    totp_enrolled_at = Column(DateTime)
    # The last time step a code was accepted for: a code is good once.
    totp_last_step = Column(Integer)
    # Wrong sign-in codes in a row; at the limit no code is tried until totp_locked_until.
    totp_failures = Column(Integer, nullable=False, default=0, server_default="0")
    totp_locked_until = Column(DateTime)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class RolePolicy(Model):
    """Per-role sign-in rules an admin sets (absent row: none)."""

    __tablename__ = "role_policy"

    role_id = Column(ForeignKey("ab_role.id", ondelete="CASCADE"), primary_key=True)
    second_factor_required = Column(Boolean, nullable=False, default=False)
