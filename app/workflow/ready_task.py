"""What a user task waiting for people tells the app: its diagram's properties (DESIGN.md §5).
Read from the engine's task by app/workflow/engine.py; no Spiff type leaves here either."""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.util.task import TaskState


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person, with the diagram's properties (DESIGN.md §5)."""

    guid: str
    bpmn_id: str
    name: str
    lane: str | None
    properties: dict
    data: dict

    @property
    def form(self) -> str | None:
        return self.properties.get("form")

    @property
    def assignee_variable(self) -> str | None:
        return self.properties.get("assignee")

    def name_translations(self) -> dict[str, str]:
        """{"ru": name, ...} from the properties `name_<lang>` (the task's name is English)."""
        return {
            key.removeprefix("name_"): value
            for key, value in self.properties.items()
            if key.startswith("name_") and value
        }

    def titles(self) -> dict[str, str]:
        """{"en": template, "ru": template, ...} from `title` and `title_<lang>`."""
        titles = {}
        for key, value in self.properties.items():
            if key == "title":
                titles["en"] = value
            elif key.startswith("title_"):
                titles[key.removeprefix("title_")] = value
        return titles


def properties_of(spec) -> dict:
    return (getattr(spec, "extensions", None) or {}).get("properties", {})


def waits_for_people(task) -> bool:
    return task.state == TaskState.READY and task.task_spec.manual


def ready_task_of(task) -> ReadyTask:
    spec = task.task_spec
    return ReadyTask(
        guid=str(task.id),
        bpmn_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        properties=dict(properties_of(spec)),
        data=dict(task.data),
    )
