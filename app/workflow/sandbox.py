"""BPMN expressions and scripts: compiled by RestrictedPython, run in a process of their own.

Three layers bound what a diagram's code may do (app/workflow/limits.py has the numbers):
- before it runs, here: the code is refused if it is too long, nests too deeply, or computes a
  huge number or text from constants (`2 ** 10 ** 9`, `'a' * 10 ** 10`, `range(10 ** 9)`); the
  check runs the same refusals, so it names the element;
- while it runs, in app/workflow/sandbox_child.py: `**`, `*`, `<<`, `+` and `%` are compiled as
  calls of guards that refuse a result over the ceilings before computing it (one C call would
  otherwise hold the interpreter for seconds), and loops draw a bounded number of items;
- around it: that process has a ceiling on its address space and CPU seconds, and the web
  process waits for it with a clock, outside the interpreter lock, so other users are served
  meanwhile. A process that overruns is killed and another takes its place.

The script engine also holds the engine's ceilings that depend on data: a multi-instance's
cardinality or input, a timer cycle computed from task data, call depth, tasks per action.
"""

from __future__ import annotations

import ast
import base64
import builtins
import contextlib
import marshal
import re
from functools import lru_cache

from RestrictedPython import (
    RestrictingNodeTransformer,
    compile_restricted_eval,
    compile_restricted_exec,
)
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from app.workflow.limits import (
    CODE_MEMORY_BYTES,
    CODE_SECONDS_PER_ACTION,
    MAX_CODE_CHARS,
    sandbox_limits,
)
from app.workflow.sandbox_child import (
    HELPERS,
    Guards,
    RestrictedScriptError,
    builtins_offered,
    decode,
    encode,
)
from app.workflow.sandbox_pool import WALL_CLOCK_GRACE_SECONDS, borrow, give_back

__all__ = [
    "DANGEROUS_NAMES",
    "HELPERS",
    "LimitExceededError",
    "RestrictedScriptError",
    "RestrictedTaskDataEnvironment",
    "code_problems",
    "compile_expression",
    "compile_script",
    "unavailable_names",
]

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
MAX_NESTING = 50  # levels of an expression's tree: deeper ones only serve to exhaust the compiler


class LimitExceededError(Exception):
    """The diagram asked the engine for more than app/workflow/limits.py allows."""


def restricted_globals() -> dict:
    return Guards(sandbox_limits()).globals()


def unavailable_names(code: str, mode: str) -> set[str]:
    """Python builtins that `code` reads but neither defines nor gets from the sandbox (open,
    type...): caught when a diagram is checked, not when an invoice reaches the expression.
    Task data may still hold a variable of such a name (see DANGEROUS_NAMES for those it may
    not)."""
    offered = set(builtins_offered()) | set(restricted_globals())
    names = [n for n in ast.walk(ast.parse(code, mode=mode)) if isinstance(n, ast.Name)]
    defined = {n.id for n in names if isinstance(n.ctx, ast.Store | ast.Del)}
    used = {n.id for n in names if isinstance(n.ctx, ast.Load)} - defined
    return {name for name in used & set(dir(builtins)) if name not in offered}


# --------------------------------------------------------------------------- before it runs


class _NotConstant(Exception):
    pass


_FOLDED = {
    ast.Pow: "power",
    ast.Mult: "multiply",
    ast.LShift: "shift",
    ast.Add: "add",
    ast.Mod: "modulo",
}
_GUARDED = {
    ast.Pow: "_pow_",
    ast.Mult: "_mul_",
    ast.LShift: "_lshift_",
    ast.Add: "_add_",
    ast.Mod: "_mod_",
}


def code_problems(code: str, mode: str) -> list[str]:
    """Why `code` could not run within the ceilings whatever the data: too long, too deep, or a
    huge value computed from constants. Syntax errors are the compiler's to report."""
    if len(code) > MAX_CODE_CHARS:
        return [f"the code is longer than {MAX_CODE_CHARS:,} characters"]
    try:
        tree = ast.parse(code, mode=mode)
    except SyntaxError:
        return []
    except (RecursionError, MemoryError):
        return ["the code nests too deeply"]
    if len(code) + 3 > MAX_NESTING and _depth(tree) > MAX_NESTING:  # a level takes a character
        return [f"the code nests more than {MAX_NESTING} levels deep"]
    guards, folded, problems = Guards(sandbox_limits()), {}, set()
    for node in ast.walk(tree):
        try:
            _check_node(node, guards, folded)
        except RestrictedScriptError as exc:
            problems.add(str(exc))
    return sorted(problems)


def _depth(tree) -> int:
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_node(node, guards: Guards, folded: dict) -> None:
    if isinstance(node, ast.BinOp | ast.Call):
        with contextlib.suppress(_NotConstant, ArithmeticError, TypeError, ValueError):
            _fold(node, guards, folded)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int):
        if node.value.bit_length() > guards.bits:
            raise RestrictedScriptError(f"a number of more than {guards.bits:,} bits")
    elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        _check_format_spec(node.format_spec, guards)


def _fold(node, guards: Guards, folded: dict):
    """The value of a constant sub-expression, computed through the same guards as at run time."""
    if id(node) in folded:
        return folded[id(node)]
    if isinstance(node, ast.Constant):
        value = node.value
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _fold(node.operand, guards, folded)
        value = -operand if isinstance(node.op, ast.USub) else +operand
    elif isinstance(node, ast.BinOp) and type(node.op) in _FOLDED:
        helper = getattr(guards, _FOLDED[type(node.op)])
        value = helper(_fold(node.left, guards, folded), _fold(node.right, guards, folded))
    elif isinstance(node, ast.List | ast.Tuple):
        value = [_fold(item, guards, folded) for item in node.elts]
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("range", "pow")
        and not node.keywords
    ):
        args = [_fold(arg, guards, folded) for arg in node.args]
        value = (guards.range if node.func.id == "range" else guards.power)(*args)
    else:
        raise _NotConstant
    folded[id(node)] = value
    return value


def _check_format_spec(spec: ast.JoinedStr, guards: Guards) -> None:
    if any(isinstance(part, ast.FormattedValue) for part in spec.values):
        raise RestrictedScriptError("a format width computed from data is not allowed")
    text = "".join(str(part.value) for part in spec.values if isinstance(part, ast.Constant))
    if any(int(number) > guards.length for number in re.findall(r"\d+", text)):
        raise RestrictedScriptError(f"a format wider than {guards.length:,} characters")


class _GuardedOperators(RestrictingNodeTransformer):
    """RestrictedPython's rules, and `a ** b`, `a * b`, `a << b`, `a + b`, `a % b` as calls of
    the guards (`_pow_(a, b)`...): names with `_` are the sandbox's alone."""

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        helper = _GUARDED.get(type(node.op))
        if helper is None:
            return node
        call = ast.Call(
            func=ast.copy_location(ast.Name(id=helper, ctx=ast.Load()), node),
            args=[node.left, node.right],
            keywords=[],
        )
        return ast.copy_location(call, node)


def _compile(source: str, mode: str):
    problems = code_problems(source, mode)
    if problems:
        raise RestrictedScriptError("; ".join(problems))
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    name = "<bpmn-expression>" if mode == "eval" else "<bpmn-script>"
    try:
        result = compiler(source, name, policy=_GuardedOperators)
    except (RecursionError, MemoryError) as exc:
        raise RestrictedScriptError("the code nests too deeply") from exc
    if result.errors:
        raise RestrictedScriptError("; ".join(result.errors))
    return result.code


def compile_expression(expression: str):
    return _compile(expression, "eval")


def compile_script(script: str):
    return _compile(script, "exec")


@lru_cache(maxsize=1024)
def _marshalled(source: str, mode: str) -> str:
    """The compiled code as the sandbox's process receives it (compiled once per text)."""
    return base64.b64encode(marshal.dumps(_compile(source, mode))).decode()


_ERRORS = {
    cls.__name__: cls
    for cls in (
        NameError,
        TypeError,
        ValueError,
        KeyError,
        IndexError,
        AttributeError,
        ZeroDivisionError,
        ArithmeticError,
        LookupError,
    )
}


class RestrictedTaskDataEnvironment(TaskDataEnvironment):
    """Spiff's script environment, running each expression and script in a sandbox process.
    One environment serves one action (a workflow is loaded per action): its code shares one
    allowance of CPU time."""

    def __init__(self, seconds: float = CODE_SECONDS_PER_ACTION):
        super().__init__(restricted_globals())
        self._seconds = seconds
        self._left = seconds

    def evaluate(self, expression, context, external_context=None):
        scope = {**(external_context or {}), **context}
        return decode(self._run("eval", expression, scope, ())["value"])

    def execute(self, script, context, external_context=None):
        external = external_context or {}
        answer = self._run("exec", script, {**external, **context}, tuple(external))
        context.update(decode(answer["data"]))
        return True

    def _run(self, mode: str, source: str, scope: dict, external: tuple) -> dict:
        code = _marshalled(source, mode)
        if self._left <= 0:
            raise self._overrun()
        request = {
            "mode": mode,
            "code": code,
            "scope": encode(scope),
            "external": list(external),
            "seconds": self._left,
        }
        sandbox = borrow()
        answer = sandbox.ask(request, self._left + WALL_CLOCK_GRACE_SECONDS)
        self._left -= answer.get("cpu", 0.0) if answer else self._left
        if answer is not None and answer.get("error") == "MemoryError":
            sandbox.stop()
        give_back(sandbox)
        if answer is None:
            raise self._overrun()
        if "error" in answer:
            raise _error(answer["error"], answer["message"])
        return answer

    def _overrun(self) -> RestrictedScriptError:
        return RestrictedScriptError(
            f"the diagram's code used more than {self._seconds:g} s of CPU in one action, "
            f"or more than {CODE_MEMORY_BYTES // (1024 * 1024)} MB"
        )


def _error(kind: str, message: str) -> Exception:
    if kind == "MemoryError":
        return RestrictedScriptError(
            f"the diagram's code needed more than {CODE_MEMORY_BYTES // (1024 * 1024)} MB"
        )
    if kind in _ERRORS:
        return _ERRORS[kind](message)
    if kind == "RestrictedScriptError":
        return RestrictedScriptError(message)
    return RestrictedScriptError(f"{kind}: {message}")
