"""Tools page: the tools a person may use, an editor for their own, and JSON import/export."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import label_for
from workshop_app.components.shell import page_shell
from workshop_app.components.tool_parts import TOOLS_ROUTE, json_block, kind_badge, tools_switch, visibility_badge
from workshop_app.state.tools_state import ToolsState

KINDS = (("mock", "Mock (fixed or templated answer)"), ("builtin", "Built-in"), ("http", "HTTP request"))
UPLOAD_ID = "tool-import-upload"


def _labelled(label: str, control_id: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        label_for(label, control_id),
        control,
        rx.text(hint, size="1", color=rx.color("gray", 11)) if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _text(name: str, label: str, hint: str = "", **props) -> rx.Component:
    control_id = f"tool-{name}"
    control = rx.input(
        id=control_id, value=ToolsState.form[name], on_change=ToolsState.set_field(name), width="100%", **props
    )
    return _labelled(label, control_id, control, hint)


def _area(name: str, label: str, hint: str = "", **props) -> rx.Component:
    control_id = f"tool-{name}"
    control = rx.text_area(
        id=control_id, value=ToolsState.form[name], on_change=ToolsState.set_field(name), width="100%", **props
    )
    return _labelled(label, control_id, control, hint)


def _select(name: str, label: str, options: rx.Var | list, item, hint: str = "") -> rx.Component:
    """A select whose options are (value, label) pairs."""
    control = rx.select.root(
        rx.select.trigger(id=f"tool-{name}", width="100%"),
        rx.select.content(
            rx.foreach(options, item) if isinstance(options, rx.Var) else rx.fragment(*map(item, options))
        ),
        value=ToolsState.form[name],
        on_change=ToolsState.set_field(name),
    )
    return _labelled(label, f"tool-{name}", control, hint)


def _builtin_fields() -> rx.Component:
    builtin = ToolsState.chosen_builtin
    return rx.vstack(
        _select("builtin", "Built-in", ToolsState.builtins, lambda b: rx.select.item(b.title, value=b.key)),
        rx.text(builtin.description, size="2", color=rx.color("gray", 11)),
        rx.cond(
            builtin.needs_collection,
            rx.cond(
                ToolsState.collection_options.length() > 0,
                _select(
                    "collection_id",
                    "Collection to search",
                    ToolsState.collection_options,
                    lambda c: rx.select.item(c[1], value=c[0]),
                    "The model searches only this collection, with the access of the person chatting.",
                ),
                rx.callout(
                    "You have no collections yet — create one on the Collections page first.",
                    icon="database",
                    size="1",
                    width="100%",
                ),
            ),
        ),
        rx.text("Parameters (fixed by the built-in)", size="2", weight="medium"),
        json_block(builtin.parameters),
        spacing="2",
        width="100%",
    )


def _http_fields() -> rx.Component:
    return rx.vstack(
        _select("method", "Method", [("GET", "GET"), ("POST", "POST")], lambda m: rx.select.item(m[1], value=m[0])),
        _text(
            "url",
            "URL template",
            "Only hosts on the admin's allow-list; {name} is filled from the argument of that name.",
            placeholder="https://api.example.com/weather?city={city}",
        ),
        spacing="2",
        width="100%",
    )


def _schema_feedback() -> rx.Component:
    return rx.cond(
        ToolsState.schema_feedback.length() > 0,
        rx.vstack(
            rx.foreach(
                ToolsState.schema_feedback, lambda problem: rx.text(problem, size="1", color=rx.color("red", 11))
            ),
            id="schema-feedback",
            role="alert",
            spacing="1",
            data_valid="false",
        ),
        rx.hstack(
            rx.icon("circle-check", size=14, color=rx.color("grass", 10)),
            rx.text("A valid JSON Schema for the arguments.", size="1", color=rx.color("grass", 11)),
            id="schema-feedback",
            data_valid="true",
            align="center",
            spacing="1",
        ),
    )


def _parameters_editor() -> rx.Component:
    return rx.vstack(
        _area(
            "parameters",
            "Parameters (JSON Schema)",
            "",
            rows="9",
            font_family="var(--code-font-family)",
            spell_check=False,
        ),
        _schema_feedback(),
        spacing="1",
        width="100%",
    )


def _problems() -> rx.Component:
    return rx.cond(
        ToolsState.problems.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.text("This tool cannot be saved yet:", weight="medium", size="2"),
                rx.foreach(ToolsState.problems, lambda problem: rx.text("• ", problem, size="2")),
                spacing="1",
            ),
            color_scheme="red",
            role="alert",
            id="tool-problems",
            width="100%",
        ),
    )


def _dialog(
    title,
    description: str,
    *body: rx.Component,
    open_var: rx.Var,
    on_open_change,
    trigger: rx.Component | None = None,
    max_width: str = "44rem",
) -> rx.Component:
    """A dialog whose content is a column of `body` and a Cancel button beside the last item (its action)."""
    *fields_, action = body
    return rx.dialog.root(
        rx.dialog.trigger(trigger) if trigger is not None else rx.fragment(),
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2", color=rx.color("gray", 11)),
            rx.vstack(
                *fields_,
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                    action,
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            max_width=max_width,
        ),
        open=open_var,
        on_open_change=on_open_change,
    )


def _editor() -> rx.Component:
    kind = ToolsState.form["kind"]
    return _dialog(
        rx.cond(ToolsState.editing_id > 0, "Edit tool", "New tool"),
        "The model sees the name, the description and the parameters; it decides from them when to call the tool.",
        _problems(),
        _text("name", "Name", "An identifier: letters, digits and _.", placeholder="get_weather"),
        _area("description", "Description", "", rows="2", placeholder="Current weather in a city."),
        _select("kind", "Kind", KINDS, lambda k: rx.select.item(k[1], value=k[0])),
        rx.match(
            kind,
            ("builtin", _builtin_fields()),
            ("http", rx.vstack(_http_fields(), _parameters_editor(), width="100%")),
            rx.vstack(
                _area(
                    "response",
                    "Response",
                    "What the tool answers; {name} is filled from the argument of that name.",
                    rows="3",
                    placeholder="It is sunny in {city}.",
                ),
                _parameters_editor(),
                width="100%",
            ),
        ),
        _select(
            "visibility",
            "Who can use it",
            [("private", "Only me"), ("workshop", "My workshop")],
            lambda v: rx.select.item(v[1], value=v[0]),
        ),
        rx.button("Save tool", on_click=ToolsState.save, id="save-tool"),
        open_var=ToolsState.editor_open,
        on_open_change=ToolsState.set_editor_open,
    )


def _import_dialog() -> rx.Component:
    return _dialog(
        "Import tools",
        "A file exported from this page, or its JSON pasted below. Nothing is saved unless every tool is valid.",
        rx.upload(
            rx.vstack(
                rx.icon("file-json", size=20),
                rx.text("Drop a .json file here, or click to choose one", size="2"),
                align="center",
            ),
            id=UPLOAD_ID,
            accept={"application/json": [".json"]},
            max_files=1,
            on_drop=ToolsState.import_files(rx.upload_files(upload_id=UPLOAD_ID)),
            border=f"1px dashed {rx.color('gray', 7)}",
            padding="1rem",
            width="100%",
        ),
        rx.text_area(
            value=ToolsState.import_text,
            on_change=ToolsState.set_import_text,
            rows="8",
            width="100%",
            placeholder='{"format": "workshop-tools", "version": 1, "tools": [...]}',
            aria_label="Tools JSON",
            font_family="var(--code-font-family)",
            id="import-text",
        ),
        rx.cond(
            ToolsState.import_problems.length() > 0,
            rx.vstack(
                rx.foreach(ToolsState.import_problems, lambda p: rx.text(p, size="2", color=rx.color("red", 11))),
                role="alert",
                id="import-problems",
                spacing="1",
            ),
        ),
        rx.button("Import pasted JSON", on_click=ToolsState.import_pasted, id="import-pasted"),
        open_var=ToolsState.import_open,
        on_open_change=ToolsState.set_import_open,
        trigger=rx.button(rx.icon("upload", size=16), "Import", variant="soft", id="import-tools"),
        max_width="40rem",
    )


def _delete_button(row: rx.Var) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=14), "Delete", size="1", variant="soft", color_scheme="red")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete ", row.name, "?"),
            rx.alert_dialog.description(
                "It can no longer be picked in the tool playground. Export it first to keep a copy.", size="2"
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=ToolsState.delete_tool(row.id))
                ),
                justify="end",
                spacing="2",
            ),
        ),
    )


def _tool_card(row: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.code(row.name, weight="bold", size="3"),
                kind_badge(row.kind),
                visibility_badge(row.visibility),
                rx.cond(~row.editable, rx.badge("shared with you", color_scheme="amber", variant="soft")),
                rx.spacer(),
                rx.cond(
                    row.editable,
                    rx.button(
                        rx.icon("pencil", size=14),
                        "Edit",
                        size="1",
                        variant="soft",
                        on_click=ToolsState.edit_tool(row.id),
                    ),
                ),
                rx.button(
                    rx.icon("download", size=14),
                    "Export",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=ToolsState.export_tool(row.id, row.name),
                ),
                rx.cond(row.editable, _delete_button(row)),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.text(row.description, size="2", color=rx.color("gray", 11)),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="tool-card",
        data_name=row.name,
    )


def tools_page() -> rx.Component:
    return page_shell(
        "Tools",
        tools_switch(TOOLS_ROUTE),
        rx.hstack(
            rx.text(
                "Tools a model may call: built-in helpers, HTTP requests to allowed hosts,"
                " or mock answers for teaching. "
                "No code you write runs on the server.",
                size="2",
                color=rx.color("gray", 11),
                flex="1",
            ),
            rx.button(rx.icon("plus", size=16), "New tool", on_click=ToolsState.new_tool, id="new-tool"),
            _import_dialog(),
            rx.button(
                rx.icon("download", size=16),
                "Export all",
                variant="soft",
                on_click=ToolsState.export_all,
                disabled=ToolsState.rows.length() == 0,
                id="export-tools",
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            ToolsState.rows.length() > 0,
            rx.vstack(rx.foreach(ToolsState.rows, _tool_card), spacing="2", width="100%", id="tool-list"),
            rx.callout(
                rx.hstack(
                    rx.text("No tools yet — define one, or import a file an instructor handed out."),
                    rx.button("New tool", size="1", on_click=ToolsState.new_tool),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                icon="wrench",
                width="100%",
            ),
        ),
        _editor(),
    )
