"""How much one diagram may make the app do: every ceiling in one place.

An action (a submit, a decision, a timer firing) runs the diagram until people are needed. Each
ceiling below bounds what that run may cost, whatever an analyst published. The check
(`flask process lint`, "Save and check", publish) refuses what breaks them statically; the
engine and the sandbox refuse at run time what depends on data. Either way the action fails with
a message naming the element, and nothing is saved.

The structural ceilings are part of the contract with analysts (README, "For analysts"). The two
that depend on the machine, the time and memory the diagram's code may use, are settings
(config.py: DIAGRAM_CODE_SECONDS, DIAGRAM_CODE_MEMORY_MB).
"""

from __future__ import annotations

from datetime import timedelta

from app.workflow.xml import MAX_BPMN_BYTES
from config import Config

# --- The diagram itself, checked before anything else reads it.
MAX_DIAGRAM_BYTES = MAX_BPMN_BYTES  # 1 MB of XML (app/workflow/xml.py refuses larger files)
MAX_FLOW_ELEMENTS = 2_000  # tasks, events, gateways, sub-processes and flows, in all processes
MAX_CODE_CHARS = 10_000  # one expression or script

# --- The diagram's code (gateway conditions, scripts, pre- and post-scripts, completion
# conditions, timer and cardinality expressions). It runs in a process of its own
# (app/workflow/sandbox_child.py): the web process waits without holding the interpreter, so
# other users are served meanwhile.
CODE_SECONDS_PER_ACTION = float(Config.DIAGRAM_CODE_SECONDS)  # all code of one action, wall clock
CODE_MEMORY_BYTES = int(Config.DIAGRAM_CODE_MEMORY_MB) * 1024 * 1024  # above the process's own
MAX_LOOP_STEPS = 100_000  # items drawn by the loops of one expression or script
MAX_NUMBER_BITS = 4_096  # about 1,200 decimal digits: `2 ** 10 ** 9` is refused before it runs
MAX_VALUE_LENGTH = 4_000_000  # characters of a text, items of a list: `'a' * 10 ** 10` is refused
MAX_RESULT_BYTES = 8 * 1024 * 1024  # what one script hands back as task data (JSON)

# --- The engine, per action.
MAX_ENGINE_STEPS = 1_000  # tasks run without reaching a person or a timer
ENGINE_SECONDS_PER_ACTION = 5.0  # CPU seconds the engine itself may spend on one action
MAX_BRANCHES = 20  # flows out of (or into) a parallel or inclusive gateway: joins cost n squared
MAX_TASKS_PER_ACTION = 2_000  # engine tasks one action may add to the process
MAX_MULTI_INSTANCE = 20  # instances of a multi-instance (its cardinality or its input's length)
MAX_OPEN_USER_TASKS = 20  # people's tasks of one invoice open at once
MAX_CALL_DEPTH = 4  # sub-processes and call activities within one another (no recursion)
MAX_STATE_BYTES = 1024 * 1024  # the saved process data (JSON)

# --- Timers: a cycle repeats a bounded number of times, never more often than the floor.
MAX_TIMER_REPETITIONS = 10
MIN_TIMER_INTERVAL = timedelta(hours=1)


def sandbox_limits() -> dict:
    """What the sandbox's own process needs to know (it imports nothing of the app)."""
    return {
        "memory_bytes": CODE_MEMORY_BYTES,
        "max_loop_steps": MAX_LOOP_STEPS,
        "max_number_bits": MAX_NUMBER_BITS,
        "max_value_length": MAX_VALUE_LENGTH,
        "max_result_bytes": MAX_RESULT_BYTES,
    }
