"""Message templates: Jinja2's ImmutableSandboxedEnvironment with size, output and time limits. See docs/templates.md.

A template runs in a worker thread under a per-thread trace function that raises once its deadline passes, so a
runaway loop stops itself (the thread is never left burning CPU). Each C-level step stays small because the
operators, calls, filters and attributes that could build a huge value are intercepted and bounded.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import FrameType, TracebackType
from typing import Any

import msgspec
from jinja2 import meta, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.filters import FILTERS
from jinja2.runtime import Context, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

OUTPUT_LIMIT = 1000  # characters of rendered text: the longest message a send takes
SIZE_LIMIT = 10_000  # characters (or items) of any value built while rendering
INT_BITS_LIMIT = 4096  # bits of any integer built while rendering
RANGE_LIMIT = 1000  # items of range()
TIME_LIMIT = 0.5  # seconds one render may run
TEMPLATE_FILE = "<template>"  # the file name Jinja gives code compiled from a string
# Every attribute a template may read: string methods that cannot grow a value, dict readers, loop fields.
SAFE_ATTRIBUTES = frozenset(
    {"upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize", "startswith", "endswith", "isdigit"}
    | {"get", "items", "keys", "values"}
    | {"index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem", "nextitem", "cycle"}
)
# Filters whose result is no larger than their input; join and replace come bounded below.
SAFE_FILTERS = (
    *("abs", "capitalize", "count", "d", "default", "first", "float", "int", "last", "length", "lower", "max"),
    *("min", "reverse", "round", "sort", "string", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount"),
)
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="template-render")


class TemplateProblem(Exception):
    """A template that cannot be used: the sentence names what is wrong, `line` where (when known)."""

    def __init__(self, message: str, line: int | None = None, code: str = "template_invalid") -> None:
        super().__init__(f"Line {line}: {message}" if line else message)
        self.message = message
        self.line = line
        self.code = code


class _TimeUp(BaseException):
    """Raised by the trace function; a BaseException so no `except Exception` on the way swallows it."""


def _check_size(size: int, what: str = "A value") -> None:
    """Refuse a value larger than any template needs."""
    if size > SIZE_LIMIT:
        raise TemplateProblem(f"{what} would be longer than {SIZE_LIMIT} characters.", code="template_too_big")


def _sized(value: Any) -> int:
    """The size a limit applies to: length of a string or list, or 0 for anything else."""
    return len(value) if isinstance(value, str | list | tuple | dict) else 0


def _range(*args: int) -> range:
    """range() of at most RANGE_LIMIT items."""
    numbers = range(*args)
    if len(numbers) > RANGE_LIMIT:
        raise TemplateProblem(f"range() is limited to {RANGE_LIMIT} items.", code="template_too_big")
    return numbers


def _join(value: Iterable[Any], d: str = "") -> str:
    """The join filter, refusing a result over SIZE_LIMIT before building it."""
    parts = [str(item) for item in value]
    _check_size(sum(map(len, parts)) + len(d) * max(len(parts) - 1, 0), "The joined text")
    return d.join(parts)


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    """The replace filter, refusing a result over SIZE_LIMIT before building it."""
    text, old, new = str(value), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    found = found if count is None else min(found, max(count, 0))
    _check_size(len(text) + found * (len(new) - len(old)), "The replaced text")
    return text.replace(old, new, -1 if count is None else count)


def _check_binop(symbol: str, left: Any, right: Any) -> None:
    """Refuse an operator whose result would be huge, before computing it."""
    if symbol == "%" and isinstance(left, str):
        raise TemplateProblem("Format text with {{ }} instead of the % operator.", code="template_unsafe")
    ints = isinstance(left, int) and isinstance(right, int)
    if symbol == "**" and ints and right > 0 and abs(left).bit_length() * right > INT_BITS_LIMIT:
        raise TemplateProblem("The number would be too large.", code="template_too_big")
    if symbol == "*" and ints and left.bit_length() + right.bit_length() > INT_BITS_LIMIT:
        raise TemplateProblem("The number would be too large.", code="template_too_big")
    if symbol == "*" and not ints and isinstance(left, int | str | list | tuple):
        count, value = (left, right) if isinstance(left, int) else (right, left)
        if isinstance(count, int):
            _check_size(_sized(value) * count)
    if symbol == "+":
        _check_size(_sized(left) + _sized(right))


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox: only SAFE_ATTRIBUTES and SAFE_FILTERS, range() bounded, operators and call arguments sized."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=True, undefined=StrictUndefined)
        self.filters = {name: FILTERS[name] for name in SAFE_FILTERS} | {"join": _join, "replace": _replace}
        self.globals = {"range": _range}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Only the whitelisted attributes, and only where the sandbox allows them too."""
        return attr in SAFE_ATTRIBUTES and super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """The operator, once its result is known to be small."""
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """A call (method, macro, range) whose arguments are all of a sane size."""
        for argument in (*args, *kwargs.values()):
            _check_size(_sized(argument), "An argument")
        return super().call(context, obj, *args, **kwargs)


ENVIRONMENT = TemplateEnvironment()


class Rendered(msgspec.Struct, frozen=True):
    """A rendered template: its text and the variables it uses."""

    text: str
    variables: list[str]


@functools.lru_cache(maxsize=1024)
def get_variables(body: str) -> tuple[str, ...]:
    """The variables a (checked) template uses, in order of first use (cached: lists show them for every row)."""
    return tuple(_variables(_parse(body)))


def _variables(tree: nodes.Template) -> list[str]:
    """Names the template reads but never sets (the sandbox's globals aside), in order of first use."""
    try:
        undeclared = meta.find_undeclared_variables(tree) - set(ENVIRONMENT.globals)
    except TemplateSyntaxError as error:  # an unknown filter or test
        raise TemplateProblem(error.message or "Syntax error.", error.lineno, "template_syntax") from None
    return list(dict.fromkeys(n.name for n in tree.find_all(nodes.Name) if n.name in undeclared))


def _parse(body: str) -> nodes.Template:
    """The template's syntax tree, refusing any attribute outside SAFE_ATTRIBUTES and any private key."""
    try:
        tree = ENVIRONMENT.parse(body)
    except TemplateSyntaxError as error:
        raise TemplateProblem(error.message or "Syntax error.", error.lineno, "template_syntax") from None
    except (RecursionError, MemoryError):
        raise TemplateProblem("The template is nested too deeply.", code="template_syntax") from None
    names = [(n.attr, n.lineno, n.attr in SAFE_ATTRIBUTES) for n in tree.find_all(nodes.Getattr)]
    keys = [(k.arg.value, k.lineno) for k in tree.find_all(nodes.Getitem) if isinstance(k.arg, nodes.Const)]
    names += [(str(key), line, not str(key).startswith("_")) for key, line in keys]
    for name, line, allowed in names:
        if not allowed:
            raise TemplateProblem(f"Access to «{name}» is not allowed.", line, "template_unsafe")
    return tree


def render(body: str, variables: Mapping[str, str], time_limit: float = TIME_LIMIT) -> Rendered:
    """The template rendered (each of its variables not given is empty) within the limits; else TemplateProblem."""
    tree = _parse(body)
    names = _variables(tree)
    deadline = time.monotonic() + time_limit
    previous = sys.gettrace()
    sys.settrace(_tracer(deadline))
    try:
        template = ENVIRONMENT.from_string(tree)
        text = _collect(template.generate({name: variables.get(name, "") for name in names}))
    except _TimeUp:
        raise TemplateProblem(f"Rendering took longer than {time_limit:g} s.", code="template_too_slow") from None
    except TemplateProblem as problem:  # a limit the sandbox enforced: say where
        line = problem.line or _template_line(problem.__traceback__)
        raise TemplateProblem(problem.message, line, problem.code) from None
    except Exception as error:  # noqa: BLE001 - the template's own runtime error (sandbox refusal, division by zero)
        raise TemplateProblem(_describe(error), _template_line(error.__traceback__)) from None
    finally:
        sys.settrace(previous)
    return Rendered(text, names)


def _collect(chunks: Iterable[str]) -> str:
    """Join the rendered chunks, stopping as soon as they pass OUTPUT_LIMIT."""
    parts: list[str] = []
    length = 0
    for chunk in chunks:
        length += len(chunk)
        if length > OUTPUT_LIMIT:
            raise TemplateProblem(
                f"The rendered text is longer than {OUTPUT_LIMIT} characters.", code="template_too_long"
            )
        parts.append(chunk)
    return "".join(parts)


def _tracer(deadline: float) -> Callable[[FrameType, str, Any], Any]:
    """A trace function for template code: every line (each loop turn included) checks the deadline."""

    def check(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _TimeUp
        return check

    def enter(frame: FrameType, event: str, arg: Any) -> Any:
        return check(frame, event, arg) if frame.f_code.co_filename == TEMPLATE_FILE else None

    return enter


def _describe(error: Exception) -> str:
    """The runtime error as a sentence."""
    text = str(error).strip() or type(error).__name__
    return text[:300]


def _template_line(trace: TracebackType | None) -> int | None:
    """The template line the error happened on (Jinja maps its frames back to template lines)."""
    line = None
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == TEMPLATE_FILE:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


async def render_in_worker(body: str, variables: Mapping[str, str]) -> Rendered:
    """render() in a worker thread, so a slow template never holds up the event loop beyond its time slices."""
    return await asyncio.get_running_loop().run_in_executor(_WORKERS, render, body, variables)
