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


def compare_streams(column: str, cases: dict[str, tuple[tuple[list[float], ...], tuple[list[float], ...]]]) -> None:
    """TTFT and full-stream percentiles per case (label: direct, platform), with difference and ratio."""
    line("", "direct", column, "difference", "ratio")
    for label, (direct, platform) in cases.items():
        for metric, index in (("TTFT", 0), ("full stream", 1)):
            for q in (50, 95):
                d, p = percentile(direct[index], q), percentile(platform[index], q)
                line(f"{label} {metric} p{q}", ms(d), ms(p), ms(p - d), f"{p / d:.3f}x")
