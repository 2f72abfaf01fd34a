"""Moving a stuck process back to a user task it has completed (an admin's repair).

SpiffWorkflow's `reset_from_task_id` gives the reset task its parent's data. That is right for
a plain task, but a turn of a multi-instance chain would come back without its person (the
chain's input item is not in its parent's data), and its chain would not go back at all. So a
turn is rewound by restarting its chain from the chain's own start and handing the turn to
that person again.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from app.workflow.approver_chain import NoRunningChainError, chain_turn, rearrange_chain
from app.workflow.definitions import WorkflowError
from app.workflow.engine import InvoiceWorkflow, _describe


class NotRewindableError(WorkflowError):
    """The task is not a completed user task of this process."""


def completed_user_tasks(workflow: InvoiceWorkflow) -> set[str]:
    """Guids of the user tasks this process has completed and still holds."""
    wf = workflow._wf  # noqa: SLF001 - the engine wrapper's own package
    return {
        str(t.id)
        for t in wf.get_tasks(state=TaskState.ANY_MASK)
        if t.state == TaskState.COMPLETED and t.task_spec.manual
    }


def rewind_to(workflow: InvoiceWorkflow, guid: str) -> None:
    """Make the completed user task `guid` wait again; what came after it is undone. A chain's
    turn reopens for the same person, with the people after them in the chain still to come.
    Raises NotRewindableError, WorkflowError."""
    wf = workflow._wf  # noqa: SLF001
    try:
        task = wf.get_task_from_id(UUID(str(guid)))
    except (ValueError, TaskNotFoundException) as exc:
        raise NotRewindableError(f"task {guid} is not part of this process") from exc
    if task.state != TaskState.COMPLETED or not task.task_spec.manual:
        raise NotRewindableError(f"task {guid} is not a completed user task")
    try:
        chain_task, turn = chain_turn(workflow, guid)
    except NoRunningChainError:
        chain_task = None
    try:
        if chain_task is None:
            wf.reset_from_task_id(task.id)  # a plain task: its parent's data is its own
        else:
            _restart_chain_at(workflow, chain_task, turn)
    except WorkflowError:
        raise
    except Exception as exc:  # noqa: BLE001 - any engine refusal is one clear error
        raise WorkflowError(_describe(exc)) from exc
    workflow._run_engine()  # noqa: SLF001


def _restart_chain_at(workflow: InvoiceWorkflow, chain_task, turn) -> None:
    spec = chain_task.task_spec
    chain = list(chain_task.data.get(spec.data_input.bpmn_id) or [])
    holder = spec.input_item.get(turn) if spec.input_item is not None else None
    wf = workflow._wf  # noqa: SLF001
    # The chain's parent holds the list of people and no outputs yet: the chain starts afresh.
    wf.reset_from_task_id(chain_task.id)
    workflow._run_engine()  # noqa: SLF001
    if holder is None or holder not in chain or chain.index(holder) == 0:
        return
    first = next(
        (t for t in workflow.ready_tasks() if _in_chain(workflow, t.guid, chain_task.id)), None
    )
    if first is None:
        raise WorkflowError("the approval chain did not start again")
    rearrange_chain(workflow, first.guid, chain, chain[chain.index(holder) :])


def _in_chain(workflow: InvoiceWorkflow, guid: str, chain_id) -> bool:
    try:
        chain_task, _turn = chain_turn(workflow, guid)
    except NoRunningChainError:
        return False
    return chain_task.id == chain_id
