"""Stage names in the reader's language: the diagram names each task in English (`name`) and
optionally in other languages (`name_ru`); every task and invoice stores both (DESIGN.md §5).

Pages that group by the English name (the dashboard, the filters) look the other languages up
here, from the latest task of each name, in one query.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import HumanTask

SEPARATOR = ", "  # a stage of parallel tasks: "Legal review, Tax review"


def stage_in(language: str | None, name: str | None, translations: dict | None) -> str:
    """`name` as a reader of `language` reads it ("" for no stage)."""
    return (translations or {}).get(language or "") or name or ""


def stage_glossary(session: Session, stages: Iterable[str | None]) -> dict[str, dict]:
    """{stage as stored: {"ru": ..., ...}} for these stages; a stage of several tasks is
    translated task by task. Stages no task carries are left out."""
    stages = {stage for stage in stages if stage}
    names = {part for stage in stages for part in stage.split(SEPARATOR)}
    if not names:
        return {}
    latest = select(func.max(HumanTask.id)).where(HumanTask.name.in_(names))
    rows = session.execute(
        select(HumanTask.name, HumanTask.name_translations).where(
            HumanTask.id.in_(latest.group_by(HumanTask.name))
        )
    )
    known = {name: translations or {} for name, translations in rows}
    return {stage: _joined(stage, known) for stage in stages}


def _joined(stage: str, known: dict[str, dict]) -> dict[str, str]:
    parts = stage.split(SEPARATOR)
    languages = {language for part in parts for language in known.get(part, {})}
    return {
        language: SEPARATOR.join(known.get(part, {}).get(language) or part for part in parts)
        for language in sorted(languages)
    }
