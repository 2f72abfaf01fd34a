"""Changing who is still to approve in a running sequential approver chain (DESIGN.md §5:
a sequential multi-instance over the task-data list named by `loopDataInputRef`)."""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import SequentialMultiInstanceTask

from app.workflow.definitions import WorkflowError
from app.workflow.engine import InvoiceWorkflow


class NoRunningChainError(WorkflowError):
    """The task is not one person's turn in a sequential chain over a list."""


def chain_turn(workflow: InvoiceWorkflow, guid: str):
    """(the chain's task, the turn holding `guid`) or NoRunningChainError."""
    wf = workflow._wf  # noqa: SLF001 - the engine wrapper's own package
    task = wf.get_task_from_id(UUID(str(guid)))
    while task is not None:
        parent = task.parent
        spec = getattr(parent, "task_spec", None)
        if isinstance(spec, SequentialMultiInstanceTask) and spec.data_input is not None:
            return parent, task
        outer = task.workflow.parent_task_id
        task = wf.get_task_from_id(outer) if outer is not None else None
    raise NoRunningChainError(f"task {guid} is not part of a sequential chain")


def rearrange_chain(workflow: InvoiceWorkflow, guid: str, chain: list, pending: list) -> None:
    """The chain becomes `chain`; of it, `pending` (in order, not empty) are still to decide.
    The turn `guid` stays open when its person comes first in `pending`; otherwise it is
    cancelled and the first of `pending` gets the turn. Decisions already made stay in the
    chain's output. Raises NoRunningChainError, WorkflowError."""
    chain_task, turn = chain_turn(workflow, guid)
    spec = chain_task.task_spec
    chain_task.data[spec.data_input.bpmn_id] = list(chain)
    holder = spec.input_item.get(turn) if spec.input_item is not None else None
    keep = pending[0] == holder
    chain_task.internal_data["remaining"] = [chain.index(p) for p in pending[1 if keep else 0 :]]
    if not keep:
        turn.cancel()
        spec.add_next_child(chain_task)
    workflow._run_engine()  # noqa: SLF001


def turn_holder(workflow: InvoiceWorkflow, guid: str):
    """The person whose turn `guid` is (the chain's input item)."""
    chain_task, turn = chain_turn(workflow, guid)
    item = chain_task.task_spec.input_item
    return item.get(turn) if item is not None else None
