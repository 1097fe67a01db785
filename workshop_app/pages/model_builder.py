"""Model builder page: a new model from a base with a system prompt, parameters, examples and a template,
and the models built here with edit, copy and delete."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import label_for
from workshop_app.components.shell import page_shell
from workshop_app.services.models.builder import FORM_PARAMETERS
from workshop_app.state.model_builder_state import ModelBuilderState as S

HINT = {"color": rx.color("gray", 11), "size": "1"}


def _field(key: str, label: str, control=rx.input, hint: str = "", **props) -> rx.Component:
    """A labelled control bound to one form field (an input, or a text area for longer text)."""
    control_id = f"builder-{key}"
    return rx.vstack(
        label_for(label, control_id),
        control(id=control_id, value=S.form[key], on_change=S.set_field(key), width="100%", **props),
        rx.text(hint, **HINT) if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _area(key: str, label: str, hint: str, placeholder: str = "") -> rx.Component:
    return _field(key, label, rx.text_area, hint, placeholder=placeholder, rows="4")


def _base() -> rx.Component:
    return rx.vstack(
        label_for("Base model", "builder-base"),
        rx.select.root(
            rx.select.trigger(id="builder-base", placeholder="Choose an installed model", width="100%"),
            rx.select.content(rx.foreach(S.bases, lambda name: rx.select.item(name, value=name))),
            value=S.form["base"],
            on_change=S.set_field("base"),
        ),
        spacing="1",
        width="100%",
    )


def _parameters() -> rx.Component:
    return rx.vstack(
        rx.text("Parameters", size="2", weight="medium"),
        rx.grid(
            *(_field(key, key, placeholder="base's", input_mode="decimal") for key in FORM_PARAMETERS),
            columns=rx.breakpoints(initial="2", sm="4"),
            spacing="2",
            width="100%",
        ),
        _field("stop", "Stop sequences (comma-separated)", placeholder="e.g. <END>, ###"),
        rx.text("Empty fields keep the base model's value.", **HINT),
        spacing="2",
        width="100%",
    )


def _example(pair: rx.Var, index: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("Example ", index + 1, size="2", weight="medium"),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("x", size=14),
                    size="1",
                    variant="ghost",
                    on_click=S.remove_example(index),
                    aria_label="Remove example",
                ),
                width="100%",
            ),
            rx.text("User says", **HINT),
            rx.text_area(
                value=pair.user,
                on_change=lambda value: S.set_example(index, "user", value),
                placeholder="The user says…",
                aria_label="Example user message",
                width="100%",
            ),
            rx.text("Model answers", **HINT),
            rx.text_area(
                value=pair.assistant,
                on_change=lambda value: S.set_example(index, "assistant", value),
                placeholder="The model answers…",
                aria_label="Example answer",
                width="100%",
            ),
            spacing="1",
            width="100%",
        ),
        width="100%",
        class_name="builder-example",
    )


def _examples() -> rx.Component:
    return rx.vstack(
        rx.text("Few-shot examples", size="2", weight="medium"),
        rx.text("Exchanges the model sees before every chat, so it answers in the same way.", **HINT),
        rx.foreach(S.examples, _example),
        rx.button(rx.icon("plus", size=14), "Add an example", variant="soft", size="1", on_click=S.add_example),
        spacing="2",
        width="100%",
    )


def _form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(rx.cond(S.editing != "", "Edit " + S.editing, "New model"), size="4", as_="h2"),
                rx.spacer(),
                rx.cond(S.editing != "", rx.button("New model", variant="ghost", size="1", on_click=S.new_model)),
                width="100%",
                align="center",
            ),
            _field("name", "Name (name:tag)", placeholder="pirate:v1"),
            _base(),
            _area(
                "system",
                "System prompt",
                "Given to the model before every conversation.",
                "You are a friendly pirate. Answer in one sentence.",
            ),
            _parameters(),
            _examples(),
            _area(
                "template",
                "Template (optional)",
                "Empty keeps the base's prompt template; the built-in engine takes Jinja templates only.",
            ),
            rx.button(
                rx.icon("hammer", size=16),
                rx.cond(S.editing != "", "Save changes", "Build model"),
                on_click=S.save,
                id="build-model",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _built_card(model: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(rx.text(model.name, weight="medium"), href="/model/" + model.name),
                rx.spacer(),
                rx.badge("built", variant="soft", color_scheme="violet"),
                width="100%",
                align="center",
            ),
            rx.text("from " + model.base + " · by " + model.author, **HINT),
            rx.cond(model.system != "", rx.text(model.system, size="2", trim="normal", class_name="built-system")),
            rx.cond(model.examples > 0, rx.text(model.examples, " example(s)", **HINT)),
            rx.hstack(
                rx.button("Edit", size="1", variant="soft", on_click=S.edit(model.name)),
                rx.button("Copy", size="1", variant="soft", on_click=S.ask_copy(model.name)),
                rx.button("Delete", size="1", variant="soft", color_scheme="red", on_click=S.ask_delete(model.name)),
                rx.link(rx.button("Chat", size="1", variant="outline"), href="/playground"),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="built-model",
        data_model=model.name,
    )


def _built_list() -> rx.Component:
    return rx.vstack(
        rx.heading("Built models", size="4", as_="h2"),
        rx.cond(
            S.built.length() > 0,
            rx.foreach(S.built, _built_card),
            rx.text("No models built yet — fill in the form to make the first one.", **HINT),
        ),
        spacing="3",
        width="100%",
    )


def _confirm_replace() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Replace " + S.editing + "?"),
            rx.alert_dialog.description(
                "The model is made anew from the form on every host; chats that use it get the new version."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep the old one", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Replace", on_click=S.confirm_replace, id="confirm-replace")),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=S.confirm_open,
        on_open_change=S.set_confirm_open,
    )


def _copy_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Copy " + S.copy_source),
            rx.vstack(
                label_for("Name of the copy (name:tag)", "copy-name"),
                rx.input(id="copy-name", value=S.copy_name, on_change=S.set_copy_name, width="100%"),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Copy", on_click=S.confirm_copy, id="confirm-copy"),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
            ),
        ),
        open=S.copy_source != "",
        on_open_change=S.close_copy,
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete " + S.delete_target + "?"),
            rx.alert_dialog.description("It is removed from every host, with its recipe."),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=S.confirm_delete, id="confirm-delete-built")
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=S.delete_target != "",
        on_open_change=S.close_delete,
    )


def model_builder_page() -> rx.Component:
    return page_shell(
        "Build a model",
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), "All models", align="center"), href="/models"),
        rx.cond(
            S.may_build,
            rx.grid(
                _form(),
                _built_list(),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
                align_items="start",
            ),
            rx.callout(
                "Your workshop does not let attendees build models. Ask your instructor to allow it.",
                icon="info",
                width="100%",
            ),
        ),
        _confirm_replace(),
        _copy_dialog(),
        _delete_dialog(),
    )
