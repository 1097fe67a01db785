"""A model's details: identity, host, show data (parameters, template, system, license, modelfile), recent requests."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.code_blocks import code_block
from workshop_app.components.model_charts import latency_chart
from workshop_app.components.shell import page_shell
from workshop_app.state.model_detail_state import ModelDetailState

ROUTE = "/model/[[...splat]]"


def _flag(flag: rx.Var) -> rx.Component:
    return rx.badge(
        rx.icon(rx.cond(flag.on, "check", "x"), size=12),
        flag.name,
        color_scheme=rx.cond(flag.on, "green", "gray"),
        variant="soft",
        class_name="capability",
    )


def _block(title: str, text: rx.Var) -> rx.Component:
    return rx.cond(
        text != "",
        rx.vstack(
            rx.heading(title, size="3", as_="h2"),
            code_block(text, language="log", width="100%"),
            width="100%",
        ),
    )


def _summary() -> rx.Component:
    row = ModelDetailState.row
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row.name, size="5", as_="h2", id="model-name"),
                rx.badge("ollama", variant="outline"),
                align="center",
            ),
            rx.text("Served from ", rx.code(ModelDetailState.host_url)),
            rx.text(
                row.family
                + " · "
                + row.parameter_size
                + " · "
                + row.quantization
                + " · "
                + row.size
                + " · context "
                + row.context
            ),
            rx.cond(row.built != "", rx.text(row.built, size="2", color=rx.color("violet", 11), id="built-from")),
            rx.hstack(rx.foreach(ModelDetailState.capabilities, _flag), wrap="wrap", id="capabilities"),
            rx.cond(
                ModelDetailState.in_memory.length() > 0,
                rx.vstack(
                    rx.foreach(ModelDetailState.in_memory, lambda line: rx.text("In memory on " + line, size="2")),
                    spacing="1",
                    id="in-memory",
                ),
                rx.text("Not in memory on any host (it loads on its first request).", size="2", id="in-memory"),
            ),
            rx.text(row.usage + " · avg " + row.latency + " · p95 " + row.p95 + " · " + row.speed, size="2"),
            spacing="2",
        ),
        width="100%",
    )


def model_details_page() -> rx.Component:
    return page_shell(
        "Model details",
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), "All models", align="center"), href="/models"),
        rx.cond(
            ModelDetailState.error != "",
            rx.callout(ModelDetailState.error, icon="triangle-alert", color_scheme="red", width="100%"),
            rx.vstack(
                _summary(),
                rx.heading("Recent requests", size="3", as_="h2"),
                rx.cond(
                    ModelDetailState.points.length() > 0,
                    latency_chart(ModelDetailState.points),
                    rx.text("No requests yet: chat with this model in the Playground and its latency shows here."),
                ),
                _block("System prompt", ModelDetailState.system),
                _block("Few-shot examples", ModelDetailState.examples),
                _block("Parameters", ModelDetailState.parameters),
                _block("Template", ModelDetailState.template),
                _block("Modelfile", ModelDetailState.modelfile),
                _block("License", ModelDetailState.license),
                width="100%",
                spacing="4",
            ),
        ),
    )
