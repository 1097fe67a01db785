"""Recent requests of one model as a chart: latency and generation speed over time."""

from __future__ import annotations

import reflex as rx


def latency_chart(points: rx.Var) -> rx.Component:
    return rx.recharts.responsive_container(
        rx.recharts.line_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            rx.recharts.x_axis(data_key="time"),
            rx.recharts.y_axis(y_axis_id="left", name="seconds"),
            rx.recharts.y_axis(y_axis_id="right", orientation="right", name="tokens/s"),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            rx.recharts.line(data_key="latency_s", name="latency (s)", y_axis_id="left", stroke=rx.color("accent", 9)),
            rx.recharts.line(data_key="tokens_per_s", name="tokens/s", y_axis_id="right", stroke=rx.color("grass", 9)),
            data=points,
        ),
        width="100%",
        height=300,
    )
