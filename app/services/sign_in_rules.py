"""What a sign-in needs beyond the password: a second-factor code, setting one up because a
role requires it, choosing a new password. Admins say which roles require a second factor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.models.user import (
    Group,
    Role,
    User,
    assoc_group_role,
    assoc_user_group,
    assoc_user_role,
)
from app.models.user_security import RolePolicy, UserSecurity
from app.services import audit, use_case
from app.services.user_sessions import end_sessions


@dataclass(frozen=True)
class SignInSteps:
    # A second factor is set up: the session is signed in only after a code.
    needs_code: bool
    # A role requires a second factor the user has not set up: that comes before anything else.
    must_enrol: bool
    # An admin forced a reset or chose the password: the user picks a new one first.
    must_change_password: bool

    @property
    def blocked(self) -> bool:
        return self.must_enrol or self.must_change_password


@dataclass(frozen=True)
class LoadedGuard:
    """What the security manager loads with the signed-in user, in the same query, so that
    checking the steps on every request costs nothing more (`GUARD_ATTRIBUTE` on the user)."""

    row: UserSecurity | None
    second_factor_required: bool


GUARD_ATTRIBUTE = "sign_in_guard"


def steps_for(session: Session, user) -> SignInSteps:
    loaded = getattr(user, GUARD_ATTRIBUTE, None)
    row = loaded.row if loaded is not None else session.get(UserSecurity, user.id)
    enrolled = bool(row and row.totp_enrolled_at and row.totp_secret)
    if enrolled:
        required = False  # nothing to set up: no need to ask
    elif loaded is not None:
        required = loaded.second_factor_required
    else:
        required = second_factor_required(session, user)
    return SignInSteps(
        needs_code=enrolled,
        must_enrol=required,
        must_change_password=bool(row and row.must_change_password),
    )


def second_factor_required(session: Session, user) -> bool:
    """Whether a role the user holds (directly or through a group) requires a second factor."""
    role_ids = _role_ids(user)
    if not role_ids:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    RolePolicy.role_id.in_(role_ids), RolePolicy.second_factor_required.is_(True)
                )
            )
        )
    )


def second_factor_required_of(user_id_column):
    """The same rule in SQL, for a query loading users: EXISTS a role of the user (directly or
    through a group) that requires a second factor."""
    direct = (
        select(assoc_user_role.c.role_id)
        .where(assoc_user_role.c.user_id == user_id_column)
        .correlate_except(assoc_user_role)  # the user is the loading query's
    )
    through_groups = (
        select(assoc_group_role.c.role_id)
        .join(assoc_user_group, assoc_user_group.c.group_id == assoc_group_role.c.group_id)
        .where(assoc_user_group.c.user_id == user_id_column)
        .correlate_except(assoc_group_role, assoc_user_group)
    )
    return exists().where(
        RolePolicy.second_factor_required.is_(True),
        RolePolicy.role_id.in_(direct) | RolePolicy.role_id.in_(through_groups),
    )


def _role_ids(user) -> set[int]:
    ids = {role.id for role in getattr(user, "roles", None) or []}
    for group in getattr(user, "groups", None) or []:
        ids.update(role.id for role in group.roles)
    return ids


def role_rules(session: Session) -> list[tuple[Role, bool]]:
    """Every role with whether it requires a second factor, by name."""
    required = set(
        session.scalars(
            select(RolePolicy.role_id).where(RolePolicy.second_factor_required.is_(True))
        )
    )
    roles = session.scalars(select(Role).order_by(Role.name))
    return [(role, role.id in required) for role in roles]


@dataclass(frozen=True)
class SavedRules:
    names: list[str]  # the roles that now require a second factor
    # The acting admin's new session generation when their own sessions ended (they hold a
    # newly marked role without a second factor): their browser adopts it, nothing else does.
    generation: int | None = None


@use_case
def set_second_factor_roles(session: Session, actor, role_ids) -> SavedRules:
    """The roles whose holders need a second factor: exactly these (unknown ids are ignored).
    Holders of a newly marked role who have none are signed out everywhere, so they set it up
    before going on; the acting admin too, on every device and token but the browser that
    saved (it is sent to set it up on the next page)."""
    wanted = {pk for pk in (parse_id(value) for value in role_ids) if pk is not None}
    roles = {role.id: role for role in session.scalars(select(Role))}
    wanted &= set(roles)
    policies = {p.role_id: p for p in session.scalars(select(RolePolicy))}
    newly = [pk for pk in wanted if not (policies.get(pk) and policies[pk].second_factor_required)]
    for pk, role in roles.items():
        policy = policies.get(pk) or RolePolicy(role_id=role.id)
        policy.second_factor_required = pk in wanted
        session.add(policy)
    session.flush()
    generation = None
    for user_id in _holders_without_second_factor(session, newly):
        ended = end_sessions(session, user_id)
        if user_id == actor.id:
            generation = ended
    names = sorted(roles[pk].name for pk in wanted)
    audit.record(session, "sign_in_rules_changed", actor.id, {"second_factor_roles": names})
    return SavedRules(names, generation)


def _holders_without_second_factor(session: Session, role_ids: list[int]) -> list[int]:
    if not role_ids:
        return []
    enrolled = select(UserSecurity.user_id).where(UserSecurity.totp_enrolled_at.is_not(None))
    query = select(User.id).where(
        User.roles.any(Role.id.in_(role_ids))
        | User.groups.any(Group.roles.any(Role.id.in_(role_ids))),
        User.id.not_in(enrolled),
    )
    return list(session.scalars(query))
