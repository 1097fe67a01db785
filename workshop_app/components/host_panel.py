"""This machine's CPU, RAM and GPU memory, and per Ollama host: health, age of that knowledge, models in memory."""

from __future__ import annotations

import reflex as rx


def _meter(label: str, text: rx.Var, percent: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(label, weight="medium", size="2"), rx.spacer(), rx.text(text, size="2"), width="100%"),
        rx.progress(value=percent.to(int), max=100, width="100%", aria_label=label),
        width="100%",
        spacing="1",
    )


def _host_card(host: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon(
                    rx.cond(host.reachable, "circle-check", "circle-x"),
                    size=16,
                    color=rx.cond(host.reachable, rx.color("green", 10), rx.color("red", 10)),
                ),
                rx.code(host.url, size="1"),
                rx.badge(host.kind, variant="soft", size="1"),
                align="center",
            ),
            rx.text(
                rx.cond(host.reachable, host.models.to_string() + " models · " + host.loaded, "unreachable"),
                size="2",
            ),
            rx.text(host.age, size="1", color=rx.color("gray", 11), class_name="host-age"),
            spacing="1",
        ),
        class_name="host-card",
    )


def host_panel(machine: rx.Var, hosts: rx.Var) -> rx.Component:
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.heading("This machine", size="3", as_="h2"),
                _meter("CPU", machine.cpu, machine.cpu_percent),
                _meter("RAM", machine.ram, machine.ram_percent),
                rx.cond(
                    machine.has_gpu_tool,
                    rx.foreach(machine.gpus, lambda gpu: rx.text(gpu, size="2")),
                    rx.text(
                        "No NVIDIA GPU tools found (nvidia-smi): no GPU figures.", size="1", color=rx.color("gray", 11)
                    ),
                ),
                width="100%",
                spacing="2",
            ),
            id="machine-panel",
        ),
        rx.vstack(
            rx.heading("Ollama hosts", size="3", as_="h2"), rx.foreach(hosts, _host_card), spacing="2", width="100%"
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )
