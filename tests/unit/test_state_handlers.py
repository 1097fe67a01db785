"""UI handlers stay thin: short enough to read at a glance, and a typed error becomes a toast one way only."""

from __future__ import annotations

import ast
from pathlib import Path

STATE = Path(__file__).resolve().parents[2] / "workshop_app" / "state"
MAX_HANDLER_LINES = 20


def _modules() -> list[tuple[str, ast.Module]]:
    return [(path.name, ast.parse(path.read_text())) for path in sorted(STATE.glob("*.py"))]


def _is_rx_event(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "event" and ast.unparse(target.value) == "rx"


def _handlers(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(map(_is_rx_event, node.decorator_list))
    ]


def _length(handler: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from `def` to the handler's last line, its docstring left out."""
    lines = (handler.end_lineno or handler.lineno) - handler.lineno + 1
    first = handler.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= (first.end_lineno or first.lineno) - first.lineno + 1
    return lines


def _calls_error_toast(handler: ast.ExceptHandler) -> bool:
    return any(
        isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "error_toast"
        for statement in handler.body
        for node in ast.walk(statement)
    )


def test_the_rule_sees_the_state_modules() -> None:
    assert len(_modules()) > 10
    assert sum(len(_handlers(tree)) for _, tree in _modules()) > 50


def test_no_event_handler_is_longer_than_twenty_lines() -> None:
    offenders = [
        f"{name}:{handler.lineno} {handler.name} has {_length(handler)} lines"
        for name, tree in _modules()
        for handler in _handlers(tree)
        if _length(handler) > MAX_HANDLER_LINES
    ]
    assert not offenders, "\n".join(offenders)


def test_no_handler_hand_writes_the_error_toast() -> None:
    """`toasts_errors` (state/feedback.py) turns a typed error into its toast; nobody else catches it for that."""
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        if name != "feedback.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.ExceptHandler) and _calls_error_toast(node)
    ]
    assert not offenders, "\n".join(offenders)
