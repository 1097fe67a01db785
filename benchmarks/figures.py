"""Percentiles and aligned lines for benchmark output."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated; the single value for one sample."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[max(0, min(98, round(q) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def line(label: str, *cells: str) -> None:
    print(f"  {label:<44}" + "".join(f"{cell:>16}" for cell in cells))
