"""BPMN expressions and scripts run compiled by RestrictedPython, never with plain exec/eval."""

from __future__ import annotations

import ast
import builtins

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, limited_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

HELPERS = {
    "sum": sum,
    "min": min,
    "max": max,
    "sorted": sorted,
    "any": any,
    "all": all,
    "enumerate": enumerate,
    "len": len,
    "abs": abs,
    "round": round,
    "list": list,
    "dict": dict,
    "set": set,
}


class RestrictedScriptError(Exception):
    """A diagram's expression or script is not allowed (not a SyntaxError: see SPIFFWORKFLOW.md)."""


def _inplace(op: str, x, y):
    operators = {"+=": lambda: x + y, "-=": lambda: x - y, "*=": lambda: x * y}
    if op not in operators:
        raise RestrictedScriptError(f"operator {op} is not allowed")
    return operators[op]()


def _builtins() -> dict:
    builtins = dict(safe_builtins)
    builtins.update(limited_builtins)
    builtins.update(HELPERS)
    return builtins


# Builtins that only serve to escape or to reach the interpreter: never task data.
DANGEROUS_NAMES = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "__import__",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "input",
        "breakpoint",
        "exit",
        "quit",
        "help",
        "memoryview",
    }
)


def unavailable_names(code: str, mode: str) -> set[str]:
    """Python builtins that `code` reads but neither defines nor gets from the sandbox (open,
    type...): caught when a diagram is checked, not when an invoice reaches the expression.
    Task data may still hold a variable of such a name (see DANGEROUS_NAMES for those it may
    not)."""
    offered = set(_builtins()) | set(restricted_globals())
    names = [n for n in ast.walk(ast.parse(code, mode=mode)) if isinstance(n, ast.Name)]
    defined = {n.id for n in names if isinstance(n.ctx, ast.Store | ast.Del)}
    used = {n.id for n in names if isinstance(n.ctx, ast.Load)} - defined
    return {name for name in used & set(dir(builtins)) if name not in offered}


def restricted_globals() -> dict:
    return {
        "__builtins__": _builtins(),
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplace,
    }


def compile_expression(expression: str):
    result = compile_restricted_eval(expression, "<bpmn-expression>")
    if result.errors:
        raise RestrictedScriptError("; ".join(result.errors))
    return result.code


def compile_script(script: str):
    result = compile_restricted_exec(script, "<bpmn-script>")
    if result.errors:
        raise RestrictedScriptError("; ".join(result.errors))
    return result.code


# RestrictedPython cannot bound CPU; loops it can: every `for` and comprehension draws its
# items through _getiter_, so one expression or script may take at most this many in all.
MAX_LOOP_STEPS = 100_000


def _bounded_iteration():
    steps = 0

    def getiter(iterable):
        nonlocal steps
        for item in default_guarded_getiter(iterable):
            steps += 1
            if steps > MAX_LOOP_STEPS:
                raise RestrictedScriptError(f"the loops went past {MAX_LOOP_STEPS:,} steps")
            yield item

    return getiter


class RestrictedTaskDataEnvironment(TaskDataEnvironment):
    def __init__(self):
        super().__init__(restricted_globals())

    def evaluate(self, expression, context, external_context=None):
        code = compile_expression(expression)
        scope = dict(self.globals, _getiter_=_bounded_iteration())
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython above

    def execute(self, script, context, external_context=None):
        code = compile_script(script)
        scope = dict(self.globals, _getiter_=_bounded_iteration())
        scope.update(external_context or {})
        scope.update(context)
        exec(code, scope)  # noqa: S102 - compiled by RestrictedPython above
        for key, value in scope.items():
            if key in self.globals or key.startswith("_") or callable(value):
                continue
            if external_context and key in external_context:
                continue
            context[key] = value
        return True


def restricted_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedTaskDataEnvironment())
