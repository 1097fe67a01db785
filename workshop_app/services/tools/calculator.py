"""Arithmetic for the calculator tool, by walking the parsed expression — never `eval`.

Only numbers, + - * / // % **, parentheses and a few named functions and constants
are understood; anything else (names, attributes, calls of other things) is refused.
Sizes are bounded so a request like `9**9**9` fails at once instead of eating the
server's memory and CPU.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

from workshop_app.services.tools.errors import ToolFailed

MAX_EXPRESSION_CHARS = 500
MAX_MAGNITUDE = 1e100
"""Largest absolute value an operand or result may have."""
MAX_EXPONENT = 1000

Number = int | float

_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_FUNCTIONS: dict[str, Callable[..., Number]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def calculate(expression: str) -> Number:
    """The value of an arithmetic expression; ToolFailed says what is wrong with it."""
    text = expression.strip()
    if not text:
        raise ToolFailed("The expression is empty.")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ToolFailed(f"The expression is longer than {MAX_EXPRESSION_CHARS} characters.")
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise ToolFailed(f"Cannot read {_shown(text)!r} as arithmetic.") from None
    except (RecursionError, MemoryError):
        raise ToolFailed("The expression is nested too deeply.") from None
    try:
        return _checked(_value(tree.body))
    except ZeroDivisionError:
        raise ToolFailed("Division by zero.") from None
    except (OverflowError, RecursionError):
        raise ToolFailed(f"The result is too large (limit {MAX_MAGNITUDE:g}).") from None
    except (ValueError, TypeError) as error:  # math domain errors, wrong argument counts
        raise ToolFailed(f"Cannot compute {_shown(text)!r}: {error}.") from None


def format_number(value: Number) -> str:
    """Integers as integers, other values to 12 significant digits."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value) if isinstance(value, int) else f"{value:.12g}"


def _shown(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _value(node: ast.expr) -> Number:
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, int | float) and not isinstance(value, bool):  # True is an int to Python, not here
        return _checked(value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _power(_value(node.left), _value(node.right))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _checked(_BINARY[type(node.op)](_value(node.left), _value(node.right)))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
    ):
        return _checked(_FUNCTIONS[node.func.id](*(_value(argument) for argument in node.args)))
    raise ToolFailed(
        f"Not allowed in a calculation: {ast.unparse(node)!r}."
        f" Use numbers, + - * / // % ** and {', '.join(_FUNCTIONS)}."
    )


def _power(base: Number, exponent: Number) -> Number:
    """`base ** exponent`, refused before computing when the result could not be small enough."""
    if abs(exponent) > MAX_EXPONENT and abs(base) not in (0, 1):
        raise ToolFailed(f"The exponent {format_number(exponent)} is too large (limit {MAX_EXPONENT}).")
    if base != 0 and exponent > 0 and abs(exponent) * math.log10(abs(base)) > math.log10(MAX_MAGNITUDE):
        raise ToolFailed(f"The result is too large (limit {MAX_MAGNITUDE:g}).")
    result = base**exponent
    if isinstance(result, complex):
        raise ToolFailed("The result is not a real number (a negative number to a fractional power).")
    return _checked(result)


def _checked(value: Number) -> Number:
    if isinstance(value, float) and math.isnan(value):
        raise ToolFailed("The result is not a number.")
    if abs(value) > MAX_MAGNITUDE:
        raise ToolFailed(f"The result is too large (limit {MAX_MAGNITUDE:g}).")
    return value
