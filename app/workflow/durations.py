"""Timer values and due dates as the diagram writes them: ISO 8601 durations (`P2D`), date-times
and repeating intervals (`R3/PT24H`), read with the engine's own parser."""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")


def check_timer_value(kind: str, value: str) -> None:
    """Raise ValueError unless `value` is what a timer of `kind` needs: an ISO 8601 duration
    (`P2D`), date-time, or repeating interval (`R3/PT24H`)."""
    try:
        if value != value.strip():
            raise ValueError("spaces around the value")
        if kind == "timeDuration":
            parse_duration(value)
        elif kind == "timeDate":
            datetime.fromisoformat(value)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception as exc:  # noqa: BLE001 - Spiff raises bare Exceptions and IndexErrors
        needs = {
            "timeDuration": "an ISO 8601 duration such as P2D or PT24H",
            "timeDate": "an ISO 8601 date and time such as 2026-12-01T09:00",
            "timeCycle": "a repeating interval such as R3/PT24H",
        }[kind]
        raise ValueError(f"{value!r} is not {needs}") from exc


def parse_duration(expression: str):
    """An ISO 8601 duration (`P2D`, `PT24H`) as a timedelta; ValueError if malformed."""
    text = (expression or "").strip()
    if not text.upper().startswith("P"):
        raise ValueError(f"{expression!r} is not an ISO 8601 duration")
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
        return TimerEventDefinition.get_timedelta_from_start(parsed)
    except Exception as exc:  # noqa: BLE001 - Spiff raises a bare Exception("Invalid duration")
        raise ValueError(f"{expression!r} is not an ISO 8601 duration") from exc
