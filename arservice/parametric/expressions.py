"""The safe expression engine: a template string that starts with ``=`` is a formula.

Allowed, and nothing else:

- values: numbers (``2``, ``0.45``, ``1e3``), text in quotes, ``true``/``false`` (``True``/``False``
  too), names of parameters and ``let`` values, the constant ``pi``;
- arithmetic ``+ - * / // % **`` on numbers, unary ``-`` and ``+``; ``+`` also joins two texts;
- comparisons ``== != < <= > >=`` (chains such as ``0 < x <= 5`` too) between two numbers or two
  texts, and ``==``/``!=`` between two true/false values;
- logic ``and or not`` on true/false values, and ``a if condition else b``;
- the functions in :data:`FUNCTIONS`: ``min max abs round floor ceil sqrt sin cos tan atan2
  radians degrees clamp lerp`` (angles in radians; ``round`` takes halves away from zero).

Attributes, indexing, imports, lambdas, comprehensions, f-strings, ``:=``, keyword arguments,
unpacking and any other call are refused when the expression is parsed. Every number, on the way
and at the end, stays finite and within ±1e9; ``true + 1``, ``"a" + 1``, ``"a" * 3``, division by
zero and square roots of negative numbers are errors. Source length, nesting depth, powers and
text length are checked before any work is done, so no expression runs long or uses much memory.

:func:`parse_expression` parses once into a tree of closures; :meth:`Expression.evaluate` runs it.
Every refusal is an :class:`~arservice.errors.ExpressionError` with an empty place: callers add it.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
import threading
import warnings
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, NamedTuple, NoReturn

from arservice.errors import ExpressionError
from arservice.i18n import N_
from arservice.parametric.scene import Value

__all__ = ["FUNCTIONS", "Expression", "is_expression", "parse_expression"]

LIMIT = 1e9  # every number stays within ±LIMIT
MAX_SOURCE = 2000  # characters of one expression
MAX_DEPTH = 64  # levels of the syntax tree
MAX_TEXT = 1000  # characters of a text value
SHOWN_SOURCE = 80  # characters of the source quoted in a message
ROUND_DIGITS = (-9, 15)  # the digits round() accepts

MSG_EMPTY = N_("the expression after '=' is empty; write a value or a formula after it")
MSG_TOO_LONG = N_("the expression is too long ({length} characters; the limit is {limit})")
MSG_SYNTAX = N_(
    "the expression '{source}' is not written correctly (near character {column}); "
    "check its brackets, quotes and operators"
)
MSG_TOO_DEEP = N_(
    "the expression '{source}' is nested too deeply (the limit is {limit} levels); "
    "split it into 'let' values"
)
MSG_NOT_ALLOWED = N_("'{text}' is not allowed in expressions")
MSG_ATTRIBUTE = N_("attribute access ('.{attr}') is not allowed in expressions")
MSG_SUBSCRIPT = N_("indexing with [ ] is not allowed in expressions: '{text}'")
MSG_COLLECTION = N_("lists, tuples, sets and dictionaries are not allowed in expressions: '{text}'")
MSG_LAMBDA = N_("'lambda' functions are not allowed in expressions")
MSG_LOOP = N_("loops ('for … in …') are not allowed in expressions: '{text}'")
MSG_FSTRING = N_("f-strings are not allowed in expressions; join texts with +")
MSG_WALRUS = N_("assignment with ':=' is not allowed in expressions; use a 'let' value instead")
MSG_OPERATOR = N_("the operator '{op}' is not allowed; use + - * / // % ** instead")
MSG_COMPARISON = N_("the comparison '{op}' is not allowed; use == != < <= > >= instead")
MSG_LITERAL = N_("'{text}' is not an allowed value; use numbers, text in quotes, true or false")
MSG_FUNCTION = N_("'{name}' is not an allowed function; use one of: {allowed}")
MSG_FUNCTION_HINT = N_("'{name}' is not an allowed function; did you mean '{hint}'?")
MSG_CALLEE = N_("only the listed functions can be called, as in max(a, b): '{text}'")
MSG_KEYWORDS = N_("'{name}' takes its values in order, without names or '*': '{text}'")
MSG_ARITY = N_("'{name}' needs exactly {low} value(s) between its brackets, not {given}")
MSG_ARITY_RANGE = N_("'{name}' needs {low} to {high} values between its brackets, not {given}")
MSG_ARITY_MIN = N_("'{name}' needs at least {low} value(s) between its brackets, not {given}")
MSG_UNKNOWN_NAME = N_("unknown name '{name}'")
MSG_UNKNOWN_NAME_HINT = N_("unknown name '{name}'; did you mean {hints}?")
MSG_NAME_IS_FUNCTION = N_("'{name}' is a function; write it with brackets, as in {name}(x)")
MSG_BAD_VALUE = N_("'{name}' has a value that is not a number, a text, true or false")
MSG_TOO_LARGE = N_("the number {value} is too large (the limit is ±1e9) in '{source}'")
MSG_POWER_TOO_LARGE = N_("{base} ** {exponent} is too large (the limit is ±1e9) in '{source}'")
MSG_NOT_FINITE = N_("'{source}' gives an infinite or undefined number")
MSG_DIVISION_BY_ZERO = N_("division by zero in '{source}'")
MSG_NEGATIVE_POWER = N_(
    "a negative number ({base}) cannot be raised to a fractional power ({exponent}) in '{source}'"
)
MSG_SQRT_NEGATIVE = N_("square root of a negative number ({value}) in '{source}'")
MSG_DOMAIN = N_("'{name}' cannot be computed for these values in '{source}'")
MSG_ROUND_DIGITS = N_(
    "the digits of round() must be a whole number from {low} to {high}, not {value}, in '{source}'"
)
MSG_CLAMP_ORDER = N_("clamp's lower limit {low} is above its upper limit {high} in '{source}'")
MSG_ARITHMETIC_TYPE = N_(
    "cannot compute {left} {op} {right} in '{source}'; '{op}' needs two numbers "
    "('+' can also join two texts)"
)
MSG_UNARY_TYPE = N_("cannot compute {op}{value} in '{source}'; '{op}' needs a number")
MSG_TEXT_TOO_LONG = N_("a text of {length} characters is too long (the limit is {limit})")
MSG_COMPARE_TYPE = N_(
    "cannot compare {left} with {right} in '{source}'; compare numbers with numbers "
    "and texts with texts"
)
MSG_COMPARE_BOOL = N_("true and false can only be compared with == and != in '{source}'")
MSG_LOGIC_TYPE = N_("'{op}' needs true or false, not {value}, in '{source}'; compare first: x > 0")
MSG_ARGUMENT_TYPE = N_("'{name}' needs numbers, not {value}, in '{source}'")

Number = int | float
Env = Mapping[str, Value]
Evaluator = Callable[[Env], Value]
_CONSTANTS: dict[str, Value] = {"true": True, "false": False, "pi": math.pi}
_DECIMAL = Context(prec=40)


class _RefusedError(Exception):
    """A helper refuses its values; the closure that called it adds the source."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid, self.params = msgid, params


def _fail(msgid: str, **params: Any) -> NoReturn:
    raise ExpressionError.single("", msgid, **params)


def show(value: object) -> str:
    """A value as the expression language writes it: ``3``, ``2.5``, ``'rubber'``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    return f"{value:.12g}" if isinstance(value, float) else str(value)


def _clip(source: str) -> str:
    return source if len(source) <= SHOWN_SOURCE else source[: SHOWN_SOURCE - 3] + "..."


def _number(value: Number, source: str) -> Number:
    if -LIMIT <= value <= LIMIT:
        return value
    if isinstance(value, float) and not math.isfinite(value):
        _fail(MSG_NOT_FINITE, source=source)
    _fail(MSG_TOO_LARGE, value=show(value), source=source)


# -- functions and operators -------------------------------------------------------------------


def _round(x: Number, digits: Number | None = None) -> Number:
    """Halves away from zero, on the digits the number shows: round(2.675, 2) = 2.68."""
    low, high = ROUND_DIGITS
    if digits is not None and (type(digits) is not int or not low <= digits <= high):
        raise _RefusedError(MSG_ROUND_DIGITS, low=low, high=high, value=show(digits))
    if type(x) is int and (digits is None or digits >= 0):
        return x
    exponent = Decimal(1).scaleb(-(digits or 0))
    rounded = Decimal(repr(x)).quantize(exponent, rounding=ROUND_HALF_UP, context=_DECIMAL)
    return int(rounded) if digits is None or type(x) is int else float(rounded)


def _sqrt(x: Number) -> float:
    if x < 0:
        raise _RefusedError(MSG_SQRT_NEGATIVE, value=show(x))
    return math.sqrt(x)


def _clamp(x: Number, low: Number, high: Number) -> Number:
    if low > high:
        raise _RefusedError(MSG_CLAMP_ORDER, low=show(low), high=show(high))
    return low if x < low else high if x > high else x


def _lerp(a: Number, b: Number, t: Number) -> Number:
    return a + (b - a) * t


def _power(base: Number, exponent: Number) -> Number:
    """``base ** exponent``, refused before computing when the result would pass the limit."""
    if base < 0 and isinstance(exponent, float) and not exponent.is_integer():
        raise _RefusedError(MSG_NEGATIVE_POWER, base=show(base), exponent=show(exponent))
    if abs(base) not in (0, 1) and exponent * math.log10(abs(base)) > 10:
        raise _RefusedError(MSG_POWER_TOO_LARGE, base=show(base), exponent=show(exponent))
    result: Number = base**exponent  # 0 ** -1 raises ZeroDivisionError
    return result


# name -> (fewest values, most values or None for any number, implementation)
_FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., Number]]] = {
    "min": (1, None, lambda *v: min(v)), "max": (1, None, lambda *v: max(v)),
    "abs": (1, 1, abs), "round": (1, 2, _round), "floor": (1, 1, math.floor),
    "ceil": (1, 1, math.ceil), "sqrt": (1, 1, _sqrt),
    "sin": (1, 1, math.sin), "cos": (1, 1, math.cos), "tan": (1, 1, math.tan),
    "atan2": (2, 2, math.atan2), "radians": (1, 1, math.radians),
    "degrees": (1, 1, math.degrees), "clamp": (3, 3, _clamp), "lerp": (3, 3, _lerp),
}  # fmt: skip
FUNCTIONS: frozenset[str] = frozenset(_FUNCTIONS)
"""The names of the functions an expression may call."""

_ARITHMETIC: dict[type[ast.operator], tuple[str, Callable[[Number, Number], Number]]] = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv), ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod), ast.Pow: ("**", _power),
}  # fmt: skip
_COMPARISONS: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], bool]]] = {
    ast.Eq: ("==", operator.eq), ast.NotEq: ("!=", operator.ne), ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le), ast.Gt: (">", operator.gt), ast.GtE: (">=", operator.ge),
}  # fmt: skip
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
    ast.MatMult: "@", ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
    ast.NotIn: "not in",
}  # fmt: skip
_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Subscript: MSG_SUBSCRIPT, ast.Slice: MSG_SUBSCRIPT, ast.List: MSG_COLLECTION,
    ast.Tuple: MSG_COLLECTION, ast.Set: MSG_COLLECTION, ast.Dict: MSG_COLLECTION,
    ast.Lambda: MSG_LAMBDA, ast.ListComp: MSG_LOOP, ast.SetComp: MSG_LOOP, ast.DictComp: MSG_LOOP,
    ast.GeneratorExp: MSG_LOOP, ast.JoinedStr: MSG_FSTRING, ast.FormattedValue: MSG_FSTRING,
    ast.NamedExpr: MSG_WALRUS,
}  # fmt: skip


def _join_texts(symbol: str, x: Value, y: Value, source: str) -> Value:
    """``x symbol y`` when not both are numbers: only ``text + text`` is allowed."""
    if symbol == "+" and type(x) is str and type(y) is str:
        if len(x) + len(y) > MAX_TEXT:
            _fail(MSG_TEXT_TOO_LONG, length=len(x) + len(y), limit=MAX_TEXT)
        return x + y
    _fail(MSG_ARITHMETIC_TYPE, left=show(x), op=symbol, right=show(y), source=source)


def _check_comparable(symbol: str, x: Value, y: Value, source: str) -> None:
    if type(x) is bool and type(y) is bool:
        if symbol not in ("==", "!="):
            _fail(MSG_COMPARE_BOOL, source=source)
    elif not (type(x) in (int, float) and type(y) in (int, float)):
        _fail(MSG_COMPARE_TYPE, left=show(x), right=show(y), source=source)


def _truth(op: str, value: Value, source: str) -> bool:
    if value is True or value is False:
        return value
    _fail(MSG_LOGIC_TYPE, op=op, value=show(value), source=source)


# -- the compiler ----------------------------------------------------------------------------


class _Node(NamedTuple):
    run: Evaluator
    constant: bool = False


def _constant(value: Value) -> _Node:
    return _Node(lambda env: value, constant=True)


class _Compiler:
    """Turns a whitelisted syntax tree into closures, collecting the names it reads."""

    def __init__(self, source: str) -> None:
        self.full_source = source
        self.source = _clip(source)  # as quoted in messages
        self.names: set[str] = set()

    def text(self, node: ast.AST) -> str:
        return _clip(ast.get_source_segment(self.full_source, node) or self.full_source)

    def compile(self, node: ast.AST, depth: int = 0) -> _Node:
        if depth > MAX_DEPTH:
            _fail(MSG_TOO_DEEP, source=self.source, limit=MAX_DEPTH)
        method = getattr(self, f"compile_{type(node).__name__}", None)
        if method is not None:
            compiled: _Node = method(node, depth + 1)
            return compiled
        if isinstance(node, ast.Attribute):
            _fail(MSG_ATTRIBUTE, attr=node.attr)
        _fail(_FORBIDDEN.get(type(node), MSG_NOT_ALLOWED), text=self.text(node))

    def fold(self, run: Evaluator, *children: _Node) -> _Node:
        """A node whose children are all constant becomes a constant, unless it fails."""
        if all(child.constant for child in children):
            try:
                return _constant(run({}))
            except ExpressionError:
                pass  # refused when (and if) it is evaluated, as without folding
        return _Node(run)

    def compile_Constant(self, node: ast.Constant, depth: int) -> _Node:  # noqa: N802
        value = node.value
        if isinstance(value, bool):
            return _constant(value)
        if isinstance(value, int | float):
            return _constant(_number(value, self.source))
        if isinstance(value, str) and len(value) <= MAX_TEXT:
            return _constant(value)
        if isinstance(value, str):
            _fail(MSG_TEXT_TOO_LONG, length=len(value), limit=MAX_TEXT)
        _fail(MSG_LITERAL, text=self.text(node))

    def compile_Name(self, node: ast.Name, depth: int) -> _Node:  # noqa: N802
        if node.id in _CONSTANTS:
            return _constant(_CONSTANTS[node.id])
        self.names.add(node.id)
        return _Node(_lookup(node.id, self.source))

    def compile_UnaryOp(self, node: ast.UnaryOp, depth: int) -> _Node:  # noqa: N802
        if not isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
            _fail(MSG_OPERATOR, op=_SYMBOLS.get(type(node.op), "?"))
        operand = self.compile(node.operand, depth)
        inner, source, op = operand.run, self.source, node.op
        symbol = "not" if isinstance(op, ast.Not) else "-" if isinstance(op, ast.USub) else "+"

        def run(env: Env) -> Value:
            value = inner(env)
            if symbol == "not":
                return not _truth(symbol, value, source)
            if type(value) is int or type(value) is float:
                return -value if symbol == "-" else value
            _fail(MSG_UNARY_TYPE, op=symbol, value=show(value), source=source)

        return self.fold(run, operand)

    def compile_BinOp(self, node: ast.BinOp, depth: int) -> _Node:  # noqa: N802
        if type(node.op) not in _ARITHMETIC:
            _fail(MSG_OPERATOR, op=_SYMBOLS.get(type(node.op), "?"))
        symbol, apply = _ARITHMETIC[type(node.op)]
        left, right = self.compile(node.left, depth), self.compile(node.right, depth)
        first, second, source = left.run, right.run, self.source

        def run(env: Env) -> Value:
            x, y = first(env), second(env)
            if not (type(x) is int or type(x) is float) or not (type(y) is int or type(y) is float):
                return _join_texts(symbol, x, y, source)
            try:
                result = apply(x, y)
            except ZeroDivisionError:
                _fail(MSG_DIVISION_BY_ZERO, source=source)
            except OverflowError:
                _fail(MSG_TOO_LARGE, value=f"{show(x)} {symbol} {show(y)}", source=source)
            except _RefusedError as refused:
                _fail(refused.msgid, source=source, **refused.params)
            return result if -LIMIT <= result <= LIMIT else _number(result, source)

        return self.fold(run, left, right)

    def compile_Compare(self, node: ast.Compare, depth: int) -> _Node:  # noqa: N802
        for op in node.ops:
            if type(op) not in _COMPARISONS:
                _fail(MSG_COMPARISON, op=_SYMBOLS.get(type(op), "?"))
        operands = [self.compile(part, depth) for part in [node.left, *node.comparators]]
        steps = [(*_COMPARISONS[type(op)], operands[k + 1].run) for k, op in enumerate(node.ops)]
        first, source = operands[0].run, self.source

        def run(env: Env) -> Value:
            x = first(env)
            for symbol, compare, right in steps:
                y = right(env)
                if type(x) is not type(y) or type(x) is bool:
                    _check_comparable(symbol, x, y, source)
                if not compare(x, y):
                    return False
                x = y
            return True

        return self.fold(run, *operands)

    def compile_BoolOp(self, node: ast.BoolOp, depth: int) -> _Node:  # noqa: N802
        parts = [self.compile(value, depth) for value in node.values]
        runs, source = [part.run for part in parts], self.source
        symbol, stop = ("and", False) if isinstance(node.op, ast.And) else ("or", True)

        def run(env: Env) -> Value:
            for part in runs:
                if _truth(symbol, part(env), source) is stop:
                    return stop
            return not stop

        return self.fold(run, *parts)

    def compile_IfExp(self, node: ast.IfExp, depth: int) -> _Node:  # noqa: N802
        test, body, orelse = (self.compile(n, depth) for n in (node.test, node.body, node.orelse))
        condition, then, otherwise, source = test.run, body.run, orelse.run, self.source

        def run(env: Env) -> Value:
            return then(env) if _truth("if", condition(env), source) else otherwise(env)

        return self.fold(run, test, body, orelse)

    def compile_Call(self, node: ast.Call, depth: int) -> _Node:  # noqa: N802
        if not isinstance(node.func, ast.Name):
            self.compile(node.func, depth)  # refuses attributes and the like with their message
            _fail(MSG_CALLEE, text=self.text(node))
        name = node.func.id
        if name not in _FUNCTIONS:
            hints = difflib.get_close_matches(name, sorted(FUNCTIONS), n=1)
            if hints:
                _fail(MSG_FUNCTION_HINT, name=name, hint=hints[0])
            _fail(MSG_FUNCTION, name=name, allowed=", ".join(sorted(FUNCTIONS)))
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            _fail(MSG_KEYWORDS, name=name, text=self.text(node))
        low, high, function = _FUNCTIONS[name]
        given = len(node.args)
        if given < low or (high is not None and given > high):
            msgid = MSG_ARITY_MIN if high is None else MSG_ARITY if low == high else MSG_ARITY_RANGE
            _fail(msgid, name=name, low=low, high=high, given=given)
        arguments = [self.compile(arg, depth) for arg in node.args]
        return self.fold(_call(name, function, [a.run for a in arguments], self.source), *arguments)


def _call(
    name: str, function: Callable[..., Number], args: list[Evaluator], source: str
) -> Evaluator:
    def run(env: Env) -> Value:
        values = [argument(env) for argument in args]
        for value in values:
            if not (type(value) is int or type(value) is float):
                _fail(MSG_ARGUMENT_TYPE, name=name, value=show(value), source=source)
        try:
            result = function(*values)
        except _RefusedError as refused:
            _fail(refused.msgid, source=source, **refused.params)
        except (ValueError, TypeError, ArithmeticError):
            _fail(MSG_DOMAIN, name=name, source=source)
        return _number(result, source)

    return run


def _lookup(name: str, source: str) -> Evaluator:
    def run(env: Env) -> Value:
        try:
            value = env[name]
        except KeyError:
            _unknown(name, env)
        if type(value) is int or type(value) is float:
            if -LIMIT <= value <= LIMIT:
                return value
        elif type(value) is bool or type(value) is str:
            return value
        return _convert(name, value, source)

    return run


def _convert(name: str, value: object, source: str) -> Value:
    """A value of a subclass (a numpy float, say) as a plain one, checked against the limits."""
    if isinstance(value, bool | str):
        return bool(value) if isinstance(value, bool) else str(value)
    if isinstance(value, int | float):
        return _number(int(value) if isinstance(value, int) else float(value), source)
    _fail(MSG_BAD_VALUE, name=name)


def _unknown(name: str, env: Env) -> NoReturn:
    if name in FUNCTIONS:
        _fail(MSG_NAME_IS_FUNCTION, name=name)
    hints = difflib.get_close_matches(name, [str(key) for key in env], n=3)
    if hints:
        _fail(MSG_UNKNOWN_NAME_HINT, name=name, hints=", ".join(f"'{hint}'" for hint in hints))
    _fail(MSG_UNKNOWN_NAME, name=name)


# -- the public API --------------------------------------------------------------------------


class Expression:
    """A parsed expression: evaluate it with the values of the names it reads."""

    __slots__ = ("_run", "names", "source")

    def __init__(self, source: str, names: frozenset[str], run: Evaluator) -> None:
        self.source = source
        self.names = names
        self._run = run

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        """The value for these names; raises :class:`ExpressionError` when it cannot be had."""
        return self._run(env)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


_WARNINGS_LOCK = threading.Lock()


def parse_expression(source: str) -> Expression:
    """Parse ``source`` (the text after ``=``) once; raises :class:`ExpressionError`."""
    if len(source) > MAX_SOURCE:
        _fail(MSG_TOO_LONG, length=len(source), limit=MAX_SOURCE)
    text = source.strip()
    if not text:
        _fail(MSG_EMPTY)
    try:
        # ast.parse warns about things like "invalid escape sequence"; the filter change is
        # process-wide, so parses take turns, or two threads could restore each other's filters.
        with _WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        _fail(MSG_SYNTAX, source=_clip(text), column=error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        _fail(MSG_SYNTAX, source=_clip(text), column=1)
    compiler = _Compiler(text)
    try:
        node = compiler.compile(tree.body)
    except RecursionError:
        _fail(MSG_TOO_DEEP, source=compiler.source, limit=MAX_DEPTH)
    return Expression(source, frozenset(compiler.names), node.run)


def is_expression(value: object) -> bool:
    """True for a string that starts with ``=``: a formula rather than a literal."""
    return isinstance(value, str) and value.startswith("=")
