"""The safe expression engine: what it computes, what it refuses, and that it never crashes."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file
from hypothesis import given, settings
from hypothesis import strategies as st

from arservice.errors import ErrorItem, ExpressionError
from arservice.parametric import expressions
from arservice.parametric.expressions import (
    FUNCTIONS,
    Expression,
    is_expression,
    parse_expression,
)
from arservice.parametric.scene import Value

ENV: dict[str, Value] = {
    "a": 3,
    "b": 2.5,
    "width": 1.2,
    "stations": 3,
    "span": 1.4,
    "flag": True,
    "surface": "rubber",
}
MODULE_PATH = Path(expressions.__file__)


def run(source: str, env: Mapping[str, Value] = ENV) -> Value:
    return parse_expression(source).evaluate(env)


@cache
def extracted_msgids() -> frozenset[str]:
    """Every message Babel extracts from the module with the ``N_`` keyword."""
    found = extract_from_file("python", str(MODULE_PATH), keywords={"N_": None})
    return frozenset(str(message[1]) for message in found)


def refusal(source: str, env: Mapping[str, Value] = ENV) -> ErrorItem:
    """The one problem parsing or evaluating ``source`` reports; it must be translatable."""
    with pytest.raises(ExpressionError) as caught:
        run(source, env)
    (item,) = caught.value.items
    assert item.loc == ""
    assert item.msgid in extracted_msgids()
    text = item.message("en")
    assert "{" not in text.replace(source, "")
    return item


def refused_with(msgid: str, source: str, env: Mapping[str, Value] = ENV) -> ErrorItem:
    item = refusal(source, env)
    assert item.msgid == msgid, item.message()
    return item


# -- values and arithmetic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("3 * 2", 6),
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("7 % 3", 1),
        ("2 ** 10", 1024),
        ("10 - 4 - 3", 3),
        ("+5", 5),
        ("-a", -3),
    ],
)
def test_integer_arithmetic_stays_integer(source: str, expected: int) -> None:
    result = run(source)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("source", "expected"),
    [("7 / 2", 3.5), ("6 / 2", 3.0), ("2 ** -1", 0.5), ("7.5 // 2", 3.0), ("4 ** 0.5", 2.0)],
)
def test_division_and_fractional_powers_give_floats(source: str, expected: float) -> None:
    result = run(source)
    assert result == expected
    assert type(result) is float


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("-2 ** 2", -4),
        ("2 ** 3 ** 2", 512),
        ("2 * 3 % 4", 2),
        ("1 + 2 if false else 10", 10),
        ("not false and false", False),
        ("true or false and false", True),
        ("1 + 1 == 2", True),
    ],
)
def test_precedence_follows_python_and_arithmetic(source: str, expected: Value) -> None:
    assert run(source) == expected


def test_names_are_read_from_the_environment() -> None:
    assert run("stations * span + 2") == pytest.approx(6.2)
    assert run("-width / 2 + 1") == pytest.approx(0.4)


def test_one_parsed_expression_evaluates_with_many_environments() -> None:
    expression = parse_expression("i * 2 + 1")
    assert isinstance(expression, Expression)
    assert [expression.evaluate({"i": i}) for i in range(4)] == [1, 3, 5, 7]


def test_evaluation_does_not_parse_again(monkeypatch: pytest.MonkeyPatch) -> None:
    expression = parse_expression("max(a, b) * 2")

    def no_parsing(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("parsed during evaluation")

    monkeypatch.setattr(ast, "parse", no_parsing)
    assert expression.evaluate(ENV) == 6


def test_names_lists_the_free_variables_only() -> None:
    expression = parse_expression("stations * span + 2 if flag else max(i, pi) + floor(true)")
    assert expression.names == frozenset({"stations", "span", "flag", "i"})
    assert parse_expression("2 * pi").names == frozenset()


def test_expression_keeps_its_source_text() -> None:
    expression = parse_expression(" a + 1 ")
    assert expression.source == " a + 1 "
    assert expression.evaluate(ENV) == 4
    assert "a + 1" in repr(expression)


@pytest.mark.parametrize(
    ("source", "expected"),
    [("true", True), ("false", False), ("True", True), ("False", False), ("pi", math.pi)],
)
def test_true_false_and_pi_are_constants(source: str, expected: Value) -> None:
    assert run(source, {}) == expected


def test_texts_can_be_joined_and_compared() -> None:
    assert run("'out' + \"door\"") == "outdoor"
    assert run("surface == 'rubber'") is True
    assert run("'grass' < surface") is True


def test_backslashes_in_texts_do_not_warn() -> None:
    assert run(r"'\d'") == "\\d"


def test_is_expression_recognises_a_leading_equals_sign() -> None:
    assert is_expression("=a * 2")
    assert is_expression("=")
    assert not is_expression("a * 2")
    assert not is_expression(" =a")
    assert not is_expression(3)
    assert not is_expression(None)


# -- comparisons, logic, conditionals --------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 < a < 5", True),
        ("1 < a > 5", False),
        ("a == 3.0", True),
        ("a != 3", False),
        ("b >= 2.5", True),
        ("b <= 2", False),
        ("flag == true", True),
        ("flag != false", True),
        ("'a' < 'b'", True),
    ],
)
def test_comparisons(source: str, expected: bool) -> None:
    assert run(source) is expected


def test_chained_comparison_stops_at_the_first_false() -> None:
    assert run("a > 5 > 1 / 0") is False


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("flag and a > 1", True),
        ("flag and a > 5", False),
        ("not flag or a > 1", True),
        ("not flag", False),
        ("flag or 1 / 0 > 1", True),
        ("false and missing", False),
    ],
)
def test_logic_short_circuits_like_python(source: str, expected: bool) -> None:
    assert run(source) is expected


def test_conditional_evaluates_only_the_chosen_branch() -> None:
    assert run("1 if flag else 1 / 0") == 1
    assert run("missing if not flag else surface") == "rubber"


# -- functions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("min(a, b)", 2.5),
        ("max(a, b, 7)", 7),
        ("min(4)", 4),
        ("abs(-3)", 3),
        ("abs(-2.5)", 2.5),
        ("floor(2.7)", 2),
        ("floor(-2.5)", -3),
        ("ceil(2.1)", 3),
        ("ceil(-2.1)", -2),
        ("sqrt(16)", 4.0),
        ("sin(pi / 2)", 1.0),
        ("cos(0)", 1.0),
        ("tan(pi / 4)", pytest.approx(1.0)),
        ("atan2(1, 1)", pytest.approx(math.pi / 4)),
        ("atan2(1, -1)", pytest.approx(3 * math.pi / 4)),
        ("radians(180)", math.pi),
        ("degrees(pi)", 180.0),
        ("clamp(5, 1, 3)", 3),
        ("clamp(-5, 1, 3)", 1),
        ("clamp(2.5, 1, 3)", 2.5),
        ("lerp(0, 10, 0.25)", 2.5),
        ("lerp(2, 4, 0)", 2),
    ],
)
def test_functions(source: str, expected: Any) -> None:
    assert run(source) == expected


@pytest.mark.parametrize("source", ["floor(2.7)", "ceil(2.1)", "round(2.5)", "round(7)"])
def test_floor_ceil_and_round_without_digits_give_integers(source: str) -> None:
    assert type(run(source)) is int


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(0.5)", 1),
        ("round(-0.5)", -1),
        ("round(1.5)", 2),
        ("round(2.4)", 2),
        ("round(0.125, 2)", 0.13),
        ("round(-0.125, 2)", -0.13),
        ("round(2.675, 2)", 2.68),
        ("round(1.005, 2)", 1.01),
        ("round(2.5, 0)", 3.0),
        ("round(1234, -2)", 1200),
        ("round(1250, -2)", 1300),
        ("round(-1250, -2)", -1300),
        ("round(1250.0, -2)", 1300.0),
        ("round(7, 2)", 7),
    ],
)
def test_round_takes_halves_away_from_zero_like_a_spreadsheet(source: str, expected: Value) -> None:
    result = run(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("source", ["round(1.5, 0.5)", "round(1.5, 16)", "round(1, -10)"])
def test_round_digits_must_be_a_whole_number_in_range(source: str) -> None:
    refused_with(expressions.MSG_ROUND_DIGITS, source)


@pytest.mark.parametrize(
    ("source", "msgid"),
    [
        ("min()", expressions.MSG_ARITY_MIN),
        ("abs(1, 2)", expressions.MSG_ARITY),
        ("atan2(1)", expressions.MSG_ARITY),
        ("round()", expressions.MSG_ARITY_RANGE),
        ("round(1, 2, 3)", expressions.MSG_ARITY_RANGE),
        ("clamp(1, 2)", expressions.MSG_ARITY),
    ],
)
def test_functions_check_how_many_values_they_get(source: str, msgid: str) -> None:
    refused_with(msgid, source)


def test_clamp_with_limits_the_wrong_way_round_is_refused() -> None:
    refused_with(expressions.MSG_CLAMP_ORDER, "clamp(2, 3, 1)")


def test_functions_lists_exactly_the_documented_names() -> None:
    documented = {"min", "max", "abs", "round", "floor", "ceil", "sqrt", "sin", "cos", "tan"}
    documented |= {"atan2", "radians", "degrees", "clamp", "lerp"}
    assert documented == FUNCTIONS


# -- refused constructs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "msgid"),
    [
        ("().__class__", expressions.MSG_ATTRIBUTE),
        ("().__class__.__bases__[0].__subclasses__()", expressions.MSG_ATTRIBUTE),
        ("width.real", expressions.MSG_ATTRIBUTE),
        ("surface.upper()", expressions.MSG_ATTRIBUTE),
        ("__import__('os')", expressions.MSG_FUNCTION),
        ("open('x')", expressions.MSG_FUNCTION),
        ("eval('1')", expressions.MSG_FUNCTION),
        ("width(2)", expressions.MSG_FUNCTION),
        ("surface[0]", expressions.MSG_SUBSCRIPT),
        ("'abc'[1:]", expressions.MSG_SUBSCRIPT),
        ("lambda: 1", expressions.MSG_LAMBDA),
        ("[x for x in 'ab']", expressions.MSG_LOOP),
        ("sum(x for x in 'ab')", expressions.MSG_FUNCTION),
        ("max(x for x in 'ab')", expressions.MSG_LOOP),
        ("{x: 1 for x in 'ab'}", expressions.MSG_LOOP),
        ("f'{a}'", expressions.MSG_FSTRING),
        ("(x := 1)", expressions.MSG_WALRUS),
        ("max(a, b=2)", expressions.MSG_KEYWORDS),
        ("max(*[1, 2])", expressions.MSG_KEYWORDS),
        ("max(**{})", expressions.MSG_KEYWORDS),
        ("[1, 2]", expressions.MSG_COLLECTION),
        ("(1, 2)", expressions.MSG_COLLECTION),
        ("{1: 2}", expressions.MSG_COLLECTION),
        ("a & 1", expressions.MSG_OPERATOR),
        ("a << 40", expressions.MSG_OPERATOR),
        ("~a", expressions.MSG_OPERATOR),
        ("a is 3", expressions.MSG_COMPARISON),
        ("'r' in surface", expressions.MSG_COMPARISON),
        ("None", expressions.MSG_LITERAL),
        ("1j", expressions.MSG_LITERAL),
        ("b'x'", expressions.MSG_LITERAL),
        ("...", expressions.MSG_LITERAL),
        ("(1)(2)", expressions.MSG_CALLEE),
        ("(yield)", expressions.MSG_NOT_ALLOWED),
        ("import os", expressions.MSG_SYNTAX),
        ("a = 1", expressions.MSG_SYNTAX),
    ],
)
def test_forbidden_constructs_are_refused_with_a_clear_message(source: str, msgid: str) -> None:
    refused_with(msgid, source)


def test_attribute_access_is_refused() -> None:
    item = refused_with(expressions.MSG_ATTRIBUTE, "().__class__")
    assert item.message() == "attribute access ('.__class__') is not allowed in expressions"


def test_a_disallowed_function_lists_the_allowed_ones() -> None:
    item = refused_with(expressions.MSG_FUNCTION, "open('x')")
    assert "sqrt" in item.message()


def test_a_misspelled_function_gets_a_suggestion() -> None:
    item = refused_with(expressions.MSG_FUNCTION_HINT, "sqr(4)")
    assert "did you mean 'sqrt'" in item.message()


def test_a_function_name_without_brackets_is_explained() -> None:
    refused_with(expressions.MSG_NAME_IS_FUNCTION, "floor + 1", {})


# -- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    ["10 ** 10 ** 10", "2 ** 9999", "9 ** 9 ** 9", "(-9) ** 99999999", "0.5 ** -1e9", "10 ** 9.5"],
)
def test_huge_powers_are_refused_before_computing(source: str) -> None:
    assert refusal(source).msgid in (expressions.MSG_POWER_TOO_LARGE, expressions.MSG_TOO_LARGE)


def test_powers_up_to_the_limit_are_allowed() -> None:
    assert run("10 ** 9") == 1_000_000_000
    assert run("-10 ** 9") == -1_000_000_000
    assert run("(-2) ** 3") == -8
    assert run("0.5 ** 1e9") == 0.0


def test_a_negative_number_to_a_fractional_power_is_refused() -> None:
    refused_with(expressions.MSG_NEGATIVE_POWER, "(-8) ** (1 / 3)")


@pytest.mark.parametrize(
    "source", ["1e308 * 10", "a * 1e9", "1000000001", "-1e9 - 1", "99999 * 99999", "1e10 / 1e10"]
)
def test_numbers_past_the_limit_are_refused(source: str) -> None:
    refused_with(expressions.MSG_TOO_LARGE, source)


@pytest.mark.parametrize("source", ["1e999", "-1e999"])
def test_infinity_is_refused(source: str) -> None:
    refused_with(expressions.MSG_NOT_FINITE, source)


@pytest.mark.parametrize("value", [1e10, -1e10, math.inf, -math.inf, math.nan])
def test_values_from_the_environment_are_held_to_the_same_limits(value: float) -> None:
    assert refusal("x", {"x": value}).msgid in (
        expressions.MSG_TOO_LARGE,
        expressions.MSG_NOT_FINITE,
    )


def test_tangent_near_a_right_angle_is_too_large() -> None:
    refused_with(expressions.MSG_TOO_LARGE, "tan(pi / 2)")


def test_square_root_of_a_negative_number_is_refused() -> None:
    item = refused_with(expressions.MSG_SQRT_NEGATIVE, "sqrt(-1)")
    assert item.params["value"] == "-1"


@pytest.mark.parametrize("source", ["1 / 0", "a % 0", "a // 0.0", "b / (a - 3)", "0 ** -1"])
def test_division_by_zero_is_refused(source: str) -> None:
    item = refused_with(expressions.MSG_DIVISION_BY_ZERO, source)
    assert item.params["source"] == source


def test_text_repetition_is_refused() -> None:
    refused_with(expressions.MSG_ARITHMETIC_TYPE, "'a' * 10 ** 9")
    refused_with(expressions.MSG_ARITHMETIC_TYPE, "3 * surface")


def test_long_texts_are_refused() -> None:
    half = "a" * 600
    refused_with(expressions.MSG_TEXT_TOO_LONG, f"'{half}' + '{half}'")
    refused_with(expressions.MSG_TEXT_TOO_LONG, f"'{half}{half}'")


def test_deep_parentheses_are_refused() -> None:
    refused_with(expressions.MSG_SYNTAX, "(" * 500 + "1" + ")" * 500)


@pytest.mark.parametrize(
    "source", ["-" * 100 + "1", "not " * 400 + "true", "1" + " + 1" * 100, "abs(" * 100 + ")" * 100]
)
def test_deep_nesting_is_refused(source: str) -> None:
    refused_with(expressions.MSG_TOO_DEEP, source)


def test_moderate_nesting_is_allowed() -> None:
    assert run("-" * 60 + "1") == 1
    assert run("1" + " + 1" * 60) == 61


def test_a_very_long_source_is_refused_before_parsing() -> None:
    item = refused_with(expressions.MSG_TOO_LONG, "1" * 100_000)
    assert item.params["length"] == 100_000


def test_messages_quote_a_long_source_shortened() -> None:
    source = "a + " * 30 + "1 / 0"
    item = refused_with(expressions.MSG_DIVISION_BY_ZERO, source)
    assert len(item.params["source"]) <= expressions.SHOWN_SOURCE


# -- wrong types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "msgid"),
    [
        ("true + 1", expressions.MSG_ARITHMETIC_TYPE),
        ("'a' + 1", expressions.MSG_ARITHMETIC_TYPE),
        ("flag * 2", expressions.MSG_ARITHMETIC_TYPE),
        ("surface - 'r'", expressions.MSG_ARITHMETIC_TYPE),
        ("-surface", expressions.MSG_UNARY_TYPE),
        ("-true", expressions.MSG_UNARY_TYPE),
        ("a == 'x'", expressions.MSG_COMPARE_TYPE),
        ("surface < 3", expressions.MSG_COMPARE_TYPE),
        ("flag == 1", expressions.MSG_COMPARE_TYPE),
        ("flag < true", expressions.MSG_COMPARE_BOOL),
        ("not a", expressions.MSG_LOGIC_TYPE),
        ("a and flag", expressions.MSG_LOGIC_TYPE),
        ("not flag or surface", expressions.MSG_LOGIC_TYPE),
        ("1 if a else 2", expressions.MSG_LOGIC_TYPE),
        ("sqrt('x')", expressions.MSG_ARGUMENT_TYPE),
        ("max(1, true)", expressions.MSG_ARGUMENT_TYPE),
    ],
)
def test_values_of_the_wrong_kind_are_refused(source: str, msgid: str) -> None:
    refused_with(msgid, source)


def test_subclasses_of_plain_values_are_accepted() -> None:
    class Metres(float):
        pass

    result = run("x * 2", {"x": Metres(1.5)})
    assert result == 3.0
    assert type(result) is float


def test_values_that_are_not_numbers_texts_or_booleans_are_refused() -> None:
    refused_with(expressions.MSG_BAD_VALUE, "x + 1", {"x": [1]})  # type: ignore[dict-item]


# -- syntax and names ------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["1 +", "(1", "'abc", "1 2", "a b", "1 +\x00 2", "max(1,,2)"])
def test_syntax_errors_are_refused_with_their_place(source: str) -> None:
    item = refused_with(expressions.MSG_SYNTAX, source)
    assert item.params["column"] >= 1


@pytest.mark.parametrize("source", ["", "   "])
def test_an_empty_expression_is_refused(source: str) -> None:
    refused_with(expressions.MSG_EMPTY, source)


def test_an_unknown_name_suggests_close_matches() -> None:
    item = refused_with(expressions.MSG_UNKNOWN_NAME_HINT, "widht * 2", {"width": 1, "depth": 2})
    assert item.message() == "unknown name 'widht'; did you mean 'width'?"


def test_an_unknown_name_without_close_matches_is_named() -> None:
    item = refused_with(expressions.MSG_UNKNOWN_NAME, "zzz * 2")
    assert item.params["name"] == "zzz"


# -- the engine itself -----------------------------------------------------------------------


def test_every_message_is_marked_for_translation() -> None:
    msgids = {value for key, value in vars(expressions).items() if key.startswith("MSG_")}
    assert msgids <= extracted_msgids()
    for msgid in msgids:  # the translators see one-line English sentences
        assert "\n" not in msgid


def test_the_engine_never_uses_eval_exec_or_compile() -> None:
    tree = ast.parse(MODULE_PATH.read_text(encoding="utf-8"))
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__"}


# -- properties ------------------------------------------------------------------------------

BINARY = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">=", "and", "or"]
ATOMS = st.one_of(
    st.integers(-(10**10), 10**10).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(
        [
            *("true", "false", "pi", "a", "b", "width", "flag", "surface", "missing", "floor"),
            *("'x'", "'rubber'", '""', "None", "()", "0", "1", "-1", "0.5", "1e9"),
        ]
    ),
)
CALLABLE = st.sampled_from([*sorted(FUNCTIONS), "open", "len", "__import__"])


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from([*BINARY, "&", "is", "in"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(["-", "+", "not ", "~"]), children).map("".join),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(CALLABLE, st.lists(children, max_size=4)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        children.map(lambda c: f"{c}.real"),
        children.map(lambda c: f"{c}[0]"),
    )


EXPRESSIONS = st.recursive(ATOMS, _grow, max_leaves=20)
EXPRESSION_TEXT = st.text(alphabet="0123456789+-*/%().,<>=! abefilnorstux'\"_[]", max_size=60)


def assert_safe(source: str) -> None:
    """Parsing and evaluating either gives a value within the limits or an ExpressionError."""
    try:
        result = run(source)
    except ExpressionError as error:
        messages = [item.message() for item in error.items]
    else:
        messages = []
    if messages:
        assert all(messages)
        return
    assert type(result) in (int, float, bool, str)
    if isinstance(result, str):
        assert len(result) <= expressions.MAX_TEXT
    elif not isinstance(result, bool):
        assert math.isfinite(result)
        assert abs(result) <= 1e9


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_generated_expressions_give_a_value_or_an_expression_error(source: str) -> None:
    assert_safe(source)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), EXPRESSION_TEXT))
def test_random_text_gives_a_value_or_an_expression_error(source: str) -> None:
    assert_safe(source)


OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}
NUMBERS = st.one_of(
    st.integers(-1000, 1000),
    st.floats(-1000, 1000, allow_nan=False, allow_infinity=False),
)
Sum = tuple[str, Any]  # source, and Python's value (None when a limit was crossed on the way)


def _combine(parts: tuple[Sum, str, Sum]) -> Sum:
    (left, x), symbol, (right, y) = parts
    value = None if x is None or y is None else OPERATIONS[symbol](x, y)
    if value is not None and abs(value) > 1e9:
        value = None
    return f"({left} {symbol} {right})", value


SUMS: st.SearchStrategy[Sum] = st.recursive(
    NUMBERS.map(lambda n: (repr(n), n)),
    lambda children: st.tuples(children, st.sampled_from(sorted(OPERATIONS)), children).map(
        _combine
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(SUMS)
def test_arithmetic_agrees_with_python(case: Sum) -> None:
    source, expected = case
    if expected is None:
        refused_with(expressions.MSG_TOO_LARGE, source)
        return
    result = run(source)
    assert result == expected
    assert type(result) is type(expected)
