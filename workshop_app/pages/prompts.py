"""Prompts page: the library on the left; the editor, versions and variables form on the right."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import label_for
from workshop_app.components.shell import page_shell
from workshop_app.state.prompts_state import PromptsState


def _labelled(label: str | rx.Var, control_id: str | rx.Var, control: rx.Component) -> rx.Component:
    return rx.vstack(label_for(label, control_id), control, spacing="1", width="100%")


def _library_item(prompt: rx.Var) -> rx.Component:
    current = prompt["id"] == PromptsState.prompt_id.to_string()
    return rx.box(
        rx.text(prompt["name"], size="2", weight=rx.cond(current, "bold", "regular")),
        rx.text(
            "v",
            prompt["version"],
            " · ",
            prompt["visibility"],
            rx.cond(prompt["tags"] != "", " · " + prompt["tags"], ""),
            size="1",
            color=rx.color("gray", 11),
        ),
        on_click=PromptsState.open_prompt(prompt["id"]),
        cursor="pointer",
        class_name="prompt-item",
        width="100%",
        padding="0.4rem 0.5rem",
        border_radius="var(--radius-3)",
        background=rx.cond(current, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("gray", 3)},
    )


def _import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("upload", size=14), "Import", variant="soft", color_scheme="gray", size="1")
        ),
        rx.dialog.content(
            rx.dialog.title("Import prompts"),
            rx.dialog.description(
                "Paste a file exported from the Prompts page. Every prompt becomes a private prompt of yours."
            ),
            rx.text_area(
                value=PromptsState.import_text,
                on_change=lambda value: PromptsState.set_field("import_text", value),
                aria_label="Exported prompts (JSON)",
                rows="10",
                width="100%",
                margin_y="1rem",
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.dialog.close(rx.button("Import", on_click=PromptsState.import_prompts)),
                justify="end",
            ),
        ),
    )


def _library() -> rx.Component:
    return rx.vstack(
        rx.button(
            rx.icon("plus", size=14), "New prompt", on_click=PromptsState.new_prompt, width="100%", variant="soft"
        ),
        rx.input(
            placeholder="Search by name…",
            value=PromptsState.search,
            on_change=PromptsState.set_search.debounce(300),
            aria_label="Search prompts",
            width="100%",
        ),
        rx.input(
            placeholder="Filter by tag",
            value=PromptsState.tag,
            on_change=PromptsState.set_tag.debounce(300),
            aria_label="Filter by tag",
            width="100%",
        ),
        rx.cond(
            PromptsState.prompts.length() > 0,
            rx.vstack(rx.foreach(PromptsState.prompts, _library_item), spacing="1", width="100%", id="prompt-list"),
            rx.text("No prompts yet — write one on the right, or import a file.", size="1", color=rx.color("gray", 11)),
        ),
        rx.hstack(
            _import_dialog(),
            rx.button(
                rx.icon("download", size=14),
                "Export",
                on_click=PromptsState.export,
                variant="soft",
                color_scheme="gray",
                size="1",
                disabled=PromptsState.prompts.length() == 0,
            ),
        ),
        width=rx.breakpoints(initial="100%", sm="16rem"),
        min_width="16rem",
        flex_shrink="0",
        spacing="3",
    )


def _editor() -> rx.Component:
    locked = ~PromptsState.editable
    return rx.vstack(
        rx.cond(
            (PromptsState.viewing > 0) & (PromptsState.viewing != PromptsState.current),
            rx.callout(
                rx.hstack(
                    rx.text(
                        "You are looking at version ", PromptsState.viewing, " (current: ", PromptsState.current, ")."
                    ),
                    rx.cond(
                        PromptsState.editable,
                        rx.button(
                            "Restore this version", on_click=PromptsState.restore, size="1", id="restore-version"
                        ),
                    ),
                    align="center",
                ),
                icon="history",
                color_scheme="amber",
                width="100%",
            ),
        ),
        rx.grid(
            _labelled(
                "Name",
                "prompt-name",
                rx.input(
                    value=PromptsState.name,
                    on_change=lambda v: PromptsState.set_field("name", v),
                    id="prompt-name",
                    read_only=locked,
                    width="100%",
                ),
            ),
            _labelled(
                "Tags (comma-separated)",
                "prompt-tags",
                rx.input(
                    value=PromptsState.tags,
                    on_change=lambda v: PromptsState.set_field("tags", v),
                    id="prompt-tags",
                    read_only=locked,
                    width="100%",
                ),
            ),
            _labelled(
                "Visible to",
                "prompt-visibility",
                rx.select.root(
                    rx.select.trigger(id="prompt-visibility"),
                    rx.select.content(
                        rx.select.item("Only me", value="private"), rx.select.item("My workshop", value="workshop")
                    ),
                    value=PromptsState.visibility,
                    on_change=lambda v: PromptsState.set_field("visibility", v),
                    disabled=locked,
                ),
            ),
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="3",
            width="100%",
        ),
        _labelled(
            "System prompt (optional)",
            "prompt-system",
            rx.text_area(
                value=PromptsState.system_prompt,
                on_change=lambda v: PromptsState.set_field("system_prompt", v),
                id="prompt-system",
                rows="2",
                read_only=locked,
                width="100%",
            ),
        ),
        _labelled(
            "Prompt — put {{variables}} where values go",
            "prompt-body",
            rx.text_area(
                value=PromptsState.body,
                on_change=lambda v: PromptsState.set_field("body", v),
                id="prompt-body",
                rows="6",
                read_only=locked,
                placeholder="Explain {{topic}} to {{audience}} in three sentences.",
                width="100%",
            ),
        ),
        rx.hstack(
            rx.cond(
                PromptsState.editable,
                rx.button(
                    rx.icon("save", size=14),
                    rx.cond(PromptsState.prompt_id > 0, "Save new version", "Save prompt"),
                    on_click=PromptsState.save,
                    id="save-prompt",
                ),
                rx.badge("Shared with you — read only", variant="soft"),
            ),
            rx.cond(
                (PromptsState.prompt_id > 0) & PromptsState.editable,
                rx.button(
                    rx.icon("trash-2", size=14),
                    "Delete",
                    on_click=PromptsState.delete,
                    color_scheme="red",
                    variant="soft",
                ),
            ),
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _variable_input(variable: rx.Var) -> rx.Component:
    control_id = "var-" + variable
    return _labelled(
        variable,
        control_id,
        rx.input(
            value=PromptsState.values[variable],
            on_change=lambda v: PromptsState.set_value(variable, v),
            id=control_id,
            width="100%",
        ),
    )


def _run_panel() -> rx.Component:
    return rx.cond(
        PromptsState.prompt_id > 0,
        rx.card(
            rx.vstack(
                rx.heading("Run", size="3", as_="h2"),
                rx.cond(
                    PromptsState.variables.length() > 0,
                    rx.grid(
                        rx.foreach(PromptsState.variables, _variable_input),
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="3",
                        width="100%",
                        id="variables-form",
                    ),
                    rx.text("This prompt has no variables.", size="2", color=rx.color("gray", 11)),
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("play", size=14),
                        "Run in playground",
                        on_click=PromptsState.open_in_playground(True),
                        id="run-in-playground",
                    ),
                    rx.button(
                        rx.icon("square-pen", size=14),
                        "Open in playground",
                        on_click=PromptsState.open_in_playground(False),
                        variant="soft",
                        id="open-in-playground",
                    ),
                    wrap="wrap",
                ),
                width="100%",
            ),
            width="100%",
        ),
    )


def _versions() -> rx.Component:
    def row(version: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.cell("v", version["number"]),
            rx.table.cell(version["note"]),
            rx.table.cell(version["when"]),
            rx.table.cell(
                rx.button("View", on_click=PromptsState.view_version(version["number"]), size="1", variant="ghost")
            ),
            class_name="version-row",
        )

    return rx.cond(
        PromptsState.versions.length() > 0,
        rx.vstack(
            rx.heading("Versions", size="3", as_="h2"),
            rx.table.root(rx.table.body(rx.foreach(PromptsState.versions, row)), size="1", width="100%"),
            width="100%",
        ),
    )


def _push() -> rx.Component:
    return rx.cond(
        (PromptsState.prompt_id > 0) & (PromptsState.workshops.length() > 0),
        rx.hstack(
            rx.text("Give every attendee of", size="2"),
            rx.select.root(
                rx.select.trigger(aria_label="Workshop"),
                rx.select.content(
                    rx.foreach(PromptsState.workshops, lambda w: rx.select.item(w["title"], value=w["id"]))
                ),
                value=PromptsState.push_workshop,
                on_change=lambda v: PromptsState.set_field("push_workshop", v),
            ),
            rx.text("a copy of this prompt", size="2"),
            rx.button(
                rx.icon("send", size=14), "Push to attendees", on_click=PromptsState.push, size="1", variant="soft"
            ),
            align="center",
            wrap="wrap",
        ),
    )


def prompts_page() -> rx.Component:
    return page_shell(
        "Prompts",
        rx.flex(  # the library beside the editor from a tablet's width up, above it on a phone
            _library(),
            rx.vstack(
                _editor(), _run_panel(), _push(), _versions(), flex="1", min_width="0", width="100%", spacing="4"
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            width="100%",
            align="start",
            gap="1.5rem",
        ),
    )
