"""Generation parameters a person may set, each with a range that makes sense for a workshop.

Values arrive as text from a form or as numbers from JSON; an empty value means
"the model's default" and is left out of the request, so Ollama's own defaults apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workshop_app.services.core.errors import InvalidInput


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    low: float
    high: float
    integer: bool
    help: str

    def check(self, raw: Any) -> int | float:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise InvalidInput(f"{self.label} must be a number.", hint=self.help) from None
        if self.integer and not value.is_integer():
            raise InvalidInput(f"{self.label} must be a whole number.", hint=self.help)
        if not self.low <= value <= self.high:
            low, high = (int(self.low), int(self.high)) if self.integer else (self.low, self.high)
            raise InvalidInput(f"{self.label} must be between {low} and {high}.", hint=self.help)
        return int(value) if self.integer else value


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("temperature", "Temperature", 0, 2, False, "Lower is more focused, higher more varied (0–2)."),
    Parameter("top_p", "Top P", 0, 1, False, "Share of probability mass sampled from (0–1)."),
    Parameter("top_k", "Top K", 1, 500, True, "How many likely tokens are considered (1–500)."),
    Parameter("num_ctx", "Context length", 256, 131072, True, "Tokens the model reads at once (256–131072)."),
    Parameter("seed", "Seed", 0, 2**31 - 1, True, "The same seed and prompt give the same reply."),
    Parameter("num_predict", "Max reply tokens", -1, 32768, True, "-1 lets the model decide when to stop."),
)
_BY_NAME = {parameter.name: parameter for parameter in PARAMETERS}


def check_options(raw: Mapping[str, Any]) -> dict[str, int | float]:
    """The options to send to Ollama; blank values are dropped, unknown names and bad values refused."""
    options: dict[str, int | float] = {}
    for name, value in raw.items():
        parameter = _BY_NAME.get(name)
        if parameter is None:
            raise InvalidInput(f"Unknown parameter {name!r}.", hint=f"Use one of {', '.join(_BY_NAME)}.")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        options[name] = parameter.check(value)
    return options
