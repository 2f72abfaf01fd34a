"""Where a diagram's code runs: a process of its own, with a ceiling on its memory and CPU.

app.workflow.sandbox starts this file as a script (`python -I sandbox_child.py LIMITS`) and sends
it, one at a time, code compiled by RestrictedPython with the data it reads; the answer is the
value or the changed data. The operators that can make huge numbers or texts in one C call
(`**`, `*`, `<<`, `+`, `%`) reach it as calls of the guards below, which refuse a result over the
ceilings before computing it; whatever else the code tries is stopped by the process's own limits
(address space, CPU seconds) and by the waiting side's clock. Values cross as tagged JSON, never
pickle: the web process trusts nothing this process says.

It imports nothing of the app (only the standard library and RestrictedPython), so that it starts
in a fraction of a second; the web process imports it too, for the guards and the codec.
"""

from __future__ import annotations

import base64
import json
import marshal
import math
import operator
import os
import re
import resource
import struct
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from RestrictedPython import limited_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)

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


def builtins_offered() -> dict:
    offered = dict(safe_builtins)
    offered.update(limited_builtins)
    offered.update(HELPERS)
    return offered


SEQUENCES = (str, bytes, list, tuple)
# %-formatting fields: `%*d` takes its width from the data, `%0999999999d` asks for a huge one.
FORMAT_FIELD = re.compile(rb"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _short(value) -> str:
    text = repr(value) if not isinstance(value, int) or value.bit_length() < 64 else "a number"
    return text if len(text) <= 24 else text[:21] + "..."


class Guards:
    """The checked operators and builtins: each refuses a result over the ceilings before it
    computes it (`2 ** 10 ** 9` holds the interpreter for seconds in one C call)."""

    def __init__(self, limits: dict):
        self.bits = limits["max_number_bits"]
        self.length = limits["max_value_length"]
        self.steps = limits["max_loop_steps"]

    def _big_number(self, what: str):
        return RestrictedScriptError(f"{what} would be a number of more than {self.bits:,} bits")

    def _long_value(self, what: str):
        return RestrictedScriptError(f"{what} would hold more than {self.length:,} items")

    def power(self, base, exponent, modulo=None):
        if modulo is not None:
            return pow(base, exponent, modulo)  # modular: as small as the modulo
        growing = _integer(base) and _integer(exponent) and exponent > 0 and abs(base) > 1
        if growing and (abs(base).bit_length() - 1) * exponent > self.bits:
            raise self._big_number(f"{_short(base)} ** {_short(exponent)}")
        return base**exponent

    def multiply(self, left, right):
        if (
            _integer(left)
            and _integer(right)
            and (left.bit_length() + right.bit_length() > self.bits)
        ):
            raise self._big_number(f"{_short(left)} * {_short(right)}")
        for sequence, times in ((left, right), (right, left)):
            repeated = isinstance(sequence, SEQUENCES) and _integer(times)
            if repeated and len(sequence) * max(times, 0) > self.length:
                raise self._long_value(f"{_short(sequence)} * {_short(times)}")
        return left * right

    def shift(self, number, by):
        growing = _integer(number) and _integer(by) and number and by > 0
        if growing and number.bit_length() + by > self.bits:
            raise self._big_number(f"{_short(number)} << {_short(by)}")
        return number << by

    def add(self, left, right):
        joined = isinstance(left, SEQUENCES) and isinstance(right, SEQUENCES)
        if joined and len(left) + len(right) > self.length:
            raise self._long_value("joining two values")
        return left + right

    def modulo(self, left, right):
        if isinstance(left, str | bytes):
            pattern = left.encode() if isinstance(left, str) else left
            for width, precision in FORMAT_FIELD.findall(pattern):
                for part in (width, precision):
                    if part == b"*" or (part and int(part) > self.length):
                        raise self._long_value(f"the format {_short(left)}")
        return left % right

    def range(self, *args):
        numbers = range(*args)
        try:
            count = len(numbers)
        except OverflowError:
            count = math.inf
        if count > self.steps:
            raise RestrictedScriptError(f"range() of more than {self.steps:,} numbers")
        return numbers

    def inplace(self, op: str, target, value):
        operators = {"+=": self.add, "-=": operator.sub, "*=": self.multiply}
        if op not in operators:
            raise RestrictedScriptError(f"operator {op} is not allowed")
        return operators[op](target, value)

    def bounded_iteration(self):
        """Every `for` and comprehension draws its items through _getiter_: one expression or
        script may take at most `steps` of them in all."""
        steps = 0
        limit = self.steps

        def getiter(iterable):
            nonlocal steps
            for item in default_guarded_getiter(iterable):
                steps += 1
                if steps > limit:
                    raise RestrictedScriptError(f"the loops went past {limit:,} steps")
                yield item

        return getiter

    def globals(self) -> dict:
        """The names the compiled code reads: builtins and RestrictedPython's hooks."""
        offered = builtins_offered()
        offered.update(range=self.range, pow=self.power)
        return {
            "__builtins__": offered,
            "_getattr_": safer_getattr,
            "_getitem_": default_guarded_getitem,
            "_getiter_": self.bounded_iteration(),
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": full_write_guard,
            "_inplacevar_": self.inplace,
            "_pow_": self.power,
            "_mul_": self.multiply,
            "_lshift_": self.shift,
            "_add_": self.add,
            "_mod_": self.modulo,
        }


def _integer(value) -> bool:
    return isinstance(value, int)


# --------------------------------------------------------------------------- values across


class UnkeepableValueError(TypeError):
    pass


def encode(value):
    """Task data as JSON, with tags for what JSON lacks (the types the process state keeps)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and "$" not in value:
            return {key: encode(item) for key, item in value.items()}
        return {"$": "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    for kind, cls, out in _TAGGED:
        if isinstance(value, cls):
            return {"$": kind, "v": out(value)}
    raise UnkeepableValueError(f"a value of type {type(value).__name__} cannot be kept")


_TAGGED = (
    ("decimal", Decimal, str),
    ("datetime", datetime, datetime.isoformat),
    ("date", date, date.isoformat),
    ("timedelta", timedelta, lambda v: [v.days, v.seconds, v.microseconds]),
    ("tuple", tuple, lambda v: [encode(item) for item in v]),
    ("set", set | frozenset, lambda v: [encode(item) for item in v]),
    ("uuid", UUID, str),
)
_UNTAGGED = {
    "float": float,
    "decimal": Decimal,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "timedelta": lambda v: timedelta(*v),
    "tuple": lambda v: tuple(decode(item) for item in v),
    "set": lambda v: {decode(item) for item in v},
    "uuid": UUID,
    "dict": lambda v: {decode(k): decode(item) for k, item in v},
}


def decode(value):
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if "$" in value:
            return _UNTAGGED[value["$"]](value["v"])
        return {key: decode(item) for key, item in value.items()}
    return value


# --------------------------------------------------------------------------- frames


HEADER = struct.Struct("!I")


def frame(message: dict) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


def _read_exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _read_frame(stream) -> dict | None:
    header = _read_exactly(stream, HEADER.size)
    if header is None:
        return None
    body = _read_exactly(stream, HEADER.unpack(header)[0])
    return None if body is None else json.loads(body)


# --------------------------------------------------------------------------- the process


def _limit_memory(extra_bytes: int) -> None:
    """Address space: what this process already maps, plus the diagram's allowance."""
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (mapped + extra_bytes, mapped + extra_bytes))


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _limit_cpu(seconds: float) -> None:
    """The kernel stops this process (SIGXCPU) once this request's code used `seconds` of CPU
    (to the next whole second: the limit counts in seconds)."""
    limit = math.ceil(_cpu_used() + seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, resource.RLIM_INFINITY))


def _run(request: dict, guards: Guards) -> dict:
    try:
        _limit_cpu(request["seconds"])
        code = marshal.loads(base64.b64decode(request["code"]))  # noqa: S302 - from the app
        scope = guards.globals()
        hooks = set(scope)
        scope.update(decode(request["scope"]))
        if request["mode"] == "eval":
            answer = {"value": encode(eval(code, scope))}  # noqa: S307 - RestrictedPython code
        else:
            exec(code, scope)  # noqa: S102 - compiled by RestrictedPython in the app
            skip = hooks | set(request["external"])
            kept = {
                key: value
                for key, value in scope.items()
                if key not in skip and not key.startswith("_") and not callable(value)
            }
            answer = {"data": encode(kept)}
        return answer
    except MemoryError:
        return {"error": "MemoryError", "message": ""}
    except RecursionError:
        return {"error": "RestrictedScriptError", "message": "the code nests too deeply"}
    except Exception as exc:  # noqa: BLE001 - every failure goes back as a message
        return {"error": type(exc).__name__, "message": str(exc)[:500]}


def _answer(answer: dict, max_bytes: int) -> bytes:
    try:
        message = frame(answer)
    except MemoryError:
        return frame({"error": "MemoryError", "message": ""})
    except ValueError as exc:  # a number too long to write out
        return frame({"error": "RestrictedScriptError", "message": str(exc)[:200]})
    if len(message) > max_bytes:
        reason = f"the code's data grew past {max_bytes // 1024} KB"
        return frame({"error": "RestrictedScriptError", "message": reason})
    return message


def serve(limits: dict) -> None:
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing the code prints can break the frames
    guards = Guards(limits)
    _limit_memory(limits["memory_bytes"])
    while (request := _read_frame(requests)) is not None:
        started = _cpu_used()
        answer = _run(request, guards)
        answer["cpu"] = _cpu_used() - started
        message = _answer(answer, limits["max_result_bytes"])
        answers.write(message)
        answers.flush()


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))
