"""State of the Tools page: the tools a person may use, the editor, and import/export."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.rag import collections
from workshop_app.services.tools import store
from workshop_app.services.tools.errors import InvalidDefinition
from workshop_app.services.tools.forms import ToolForm, builtin_choices, form_of, parameters_feedback, save_form
from workshop_app.services.workshops.policy import Action
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.tool_views import BuiltinRow, ToolRow, builtin_row, tool_row

EXPORT_FILENAME = "workshop-tools.json"


class ToolsState(AuthState):
    rows: list[ToolRow] = []
    builtins: list[BuiltinRow] = [builtin_row(choice) for choice in builtin_choices()]
    collection_options: list[list[str]] = []  # [id, name] of collections a search tool may use
    form: dict[str, str] = ToolForm().as_fields()
    editing_id: int = 0
    editor_open: bool = False
    problems: list[str] = []
    schema_feedback: list[str] = []
    import_open: bool = False
    import_text: str = ""
    import_problems: list[str] = []

    @rx.var
    def chosen_builtin(self) -> BuiltinRow:
        return next((row for row in self.builtins if row.key == self.form.get("builtin")), BuiltinRow())

    @rx.event
    def load(self):
        if self.signed_in() is None:
            return self.to_login()
        return self._reload()

    @rx.event
    def new_tool(self):
        return self._open_editor(0, ToolForm())

    @rx.event
    @toasts_errors
    def edit_tool(self, tool_id: int):
        form = form_of(store.get_tool(self.acting(), tool_id, Action.WRITE))
        return self._open_editor(tool_id, form)

    @rx.event
    def set_field(self, name: str, value: str):
        self.form[name] = value
        if name == "parameters":
            self.schema_feedback = parameters_feedback(value)

    @rx.event
    def set_editor_open(self, value: bool):
        self.editor_open = value

    @rx.event
    @toasts_errors
    def save(self):
        try:
            record = save_form(self.acting(), self.editing_id or None, ToolForm.from_fields(self.form))
        except InvalidDefinition as error:  # listed in the editor, next to the fields
            self.problems = error.problems
            return None
        self.editor_open, self.problems = False, []
        return self._reload() or rx.toast.success(f"Saved {record.name}.")

    @rx.event
    def delete_tool(self, tool_id: int):
        return self.attempt(lambda actor: store.delete_tool(actor, tool_id)) or self._reload()

    @rx.event
    def export_all(self):
        return self._export([row.id for row in self.rows], EXPORT_FILENAME)

    @rx.event
    def export_tool(self, tool_id: int, name: str):
        return self._export([tool_id], f"{name}.tool.json")

    @rx.event
    def set_import_open(self, value: bool):
        self.import_open, self.import_problems = value, []

    @rx.event
    def set_import_text(self, value: str):
        self.import_text = value

    @rx.event
    def import_pasted(self):
        return self._import(self.import_text)

    @rx.event
    async def import_files(self, files: list[rx.UploadFile]):
        if files:
            return self._import((await files[0].read()).decode("utf-8", errors="replace"))
        return None

    def _import(self, text: str):
        try:
            records = store.import_json(self.acting(), text)
        except InvalidDefinition as error:
            self.import_problems = error.problems
            return None
        except WorkshopError as error:
            self.import_problems = [error.message]
            return None
        self.import_open, self.import_text, self.import_problems = False, "", []
        return self._reload() or rx.toast.success(f"Imported {', '.join(record.name for record in records)}.")

    @toasts_errors
    def _export(self, tool_ids: list[int], filename: str):
        text = store.export_json(self.acting(), tool_ids)
        return rx.download(data=text, filename=filename)

    def _open_editor(self, tool_id: int, form: ToolForm):
        self.editing_id, self.form, self.problems = tool_id, form.as_fields(), []
        self.schema_feedback = parameters_feedback(form.parameters)
        self.editor_open = True

    @toasts_errors
    def _reload(self):
        actor = self.acting()
        self.rows = [tool_row(summary) for summary in store.tool_summaries(actor)]
        self.collection_options = [[str(c.id), c.name] for c in collections.list_collections(actor)]
