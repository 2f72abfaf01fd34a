"""A process that cannot go on: the clean error that saves nothing and becomes an incident."""

from __future__ import annotations

from app.errors import ConcurrentEditError, InvoiceFlowError
from app.i18n import _
from app.workflow.definitions import WorkflowError
from app.workflow.engine import TaskNotReadyError, failed_element


class ProcessFailedError(InvoiceFlowError):
    """The diagram could not go on; nothing was saved. Becomes an incident admins see."""

    status_code = 422

    def __init__(
        self, message, invoice_id: int | None = None, element_id: str | None = None, reason=None
    ):
        super().__init__(message)
        self.invoice_id = invoice_id
        self.element_id = element_id
        # What went wrong, for the incident admins read (in their language when translatable).
        self.reason = message if reason is None else reason


def process_failed(why, invoice_id: int | None, element_id: str | None):
    """The error for a process that cannot go on, in words for the person acting; `why` is
    the engine's words or a translatable message (app.i18n._)."""
    message = _(
        "The process could not continue: %(why)s. Nothing was saved; the administrators see it "
        "among the incidents.",
        why=str(why).rstrip("."),
    )
    return ProcessFailedError(message, invoice_id, element_id, reason=why)


def run_step(step, invoice_id: int | None = None):
    """Run an engine call and return what it returns, turning a diagram failure into a clean
    error that saves nothing."""
    try:
        return step()
    except TaskNotReadyError as exc:
        # Another request completed it between our read of the task and of the state.
        raise ConcurrentEditError(_("This task was already handled by someone else.")) from exc
    except WorkflowError as exc:
        raise process_failed(str(exc), invoice_id, failed_element(exc)) from exc
