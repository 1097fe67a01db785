"""State of the model builder page: the form (base, system prompt, parameters, template, examples) and the
built models with edit, copy and delete. The builder service decides and checks; this only carries the form."""

from __future__ import annotations

import dataclasses

import reflex as rx

from workshop_app.services.chat.model_choices import chat_models
from workshop_app.services.core.wording import counted
from workshop_app.services.models import builder
from workshop_app.services.models.recipes import Recipe
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors

ROUTE = "/build-model"
TEXT_FIELDS = ("name", "base", "system", "template", "stop", *builder.FORM_PARAMETERS)


@dataclasses.dataclass
class ExamplePair:
    """One few-shot example: what the user says and how the model answers."""

    user: str = ""
    assistant: str = ""


@dataclasses.dataclass
class BuiltView:
    name: str = ""
    base: str = ""
    author: str = ""
    system: str = ""
    examples: int = 0


def _empty_form() -> dict[str, str]:
    return dict.fromkeys(TEXT_FIELDS, "")


def _form_of(recipe: Recipe) -> dict[str, str]:
    parameters = dict(recipe.parameters or {})
    stop = ", ".join(parameters.pop("stop", []))
    texts = {key: str(value) for key, value in parameters.items() if key in builder.FORM_PARAMETERS}
    fields = {"name": recipe.name, "base": recipe.base, "system": recipe.system, "template": recipe.template}
    return _empty_form() | fields | texts | {"stop": stop}


def _pairs_of(recipe: Recipe) -> list[ExamplePair]:
    users = [m["content"] for m in recipe.messages if m["role"] == "user"]
    answers = [m["content"] for m in recipe.messages if m["role"] == "assistant"]
    return [ExamplePair(user, answer) for user, answer in zip(users, answers, strict=False)]


def _messages(pairs: list[ExamplePair]) -> tuple[dict[str, str], ...]:
    """The filled-in pairs as alternating user and assistant messages (an empty pair is skipped)."""
    messages: list[dict[str, str]] = []
    for pair in pairs:
        if pair.user.strip() or pair.assistant.strip():
            messages += [{"role": "user", "content": pair.user}, {"role": "assistant", "content": pair.assistant}]
    return tuple(messages)


class ModelBuilderState(AuthState):
    form: dict[str, str] = _empty_form()
    examples: list[ExamplePair] = []
    bases: list[str] = []
    built: list[BuiltView] = []
    may_build: bool = False
    editing: str = ""  # the built model the form edits; saving it replaces that model after confirmation
    confirm_open: bool = False
    copy_source: str = ""
    copy_name: str = ""
    delete_target: str = ""

    @rx.event
    @toasts_errors
    async def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        self.may_build = builder.may_build(actor)
        choices, _hosts = await chat_models(actor)
        self.bases = [choice.name for choice in choices]
        self._list_built()
        return None

    def _list_built(self) -> None:
        recipes = builder.list_recipes(self.acting())
        self.built = [BuiltView(r.name, r.base, r.author, r.system, len(r.messages) // 2) for r in recipes]

    @rx.event
    def set_field(self, name: str, value: str):
        if name in TEXT_FIELDS:
            self.form[name] = value

    @rx.event
    def add_example(self):
        self.examples = [*self.examples, ExamplePair()]

    @rx.event
    def remove_example(self, index: int):
        self.examples = [pair for number, pair in enumerate(self.examples) if number != index]

    @rx.event
    def set_example(self, index: int, side: str, value: str):
        if 0 <= index < len(self.examples) and side in ("user", "assistant"):
            setattr(self.examples[index], side, value)
            self.examples = list(self.examples)

    @rx.event
    def new_model(self):
        self._clear_form()

    def _clear_form(self) -> None:
        self.form, self.examples, self.editing = _empty_form(), [], ""

    @rx.event
    @toasts_errors
    def edit(self, name: str):
        self.acting()
        recipe = builder.built_recipe(name)
        self.form, self.examples, self.editing = _form_of(recipe), _pairs_of(recipe), name

    def _recipe(self) -> Recipe:
        form = self.form
        fields = {key: form.get(key, "") for key in builder.FORM_PARAMETERS}
        parameters = builder.parameters_from_fields(fields, form.get("stop", ""))
        messages = _messages(self.examples)
        return Recipe(form["name"], form["base"], form["system"], form["template"], parameters, messages)

    @rx.event
    async def save(self):
        """Build; saving the model being edited under its own name asks first, since it replaces it."""
        if self.editing and self.form["name"].strip() in (self.editing, self.editing.removesuffix(":latest")):
            self.confirm_open = True
            return None
        return await self._build(replacing=False)

    @rx.event
    async def confirm_replace(self):
        self.confirm_open = False
        return await self._build(replacing=True)

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = value

    @toasts_errors
    async def _build(self, *, replacing: bool):
        made = await builder.build_model(self.acting(), self._recipe(), replacing=replacing)
        self._list_built()
        self.editing = made.recipe.name
        where = counted(len(made.hosts), "host")
        return rx.toast.success(f"{made.recipe.name} is ready on {where}: pick it in the Playground.")

    @rx.event
    def ask_copy(self, name: str):
        self.copy_source, self.copy_name = name, ""

    @rx.event
    def set_copy_name(self, value: str):
        self.copy_name = value

    @rx.event
    def close_copy(self, _open: bool = False):
        self.copy_source = ""

    @rx.event
    @toasts_errors
    async def confirm_copy(self):
        source = self.copy_source
        made = await builder.copy_model(self.acting(), source, self.copy_name)
        self.copy_source = ""
        self._list_built()
        return rx.toast.success(f"{made.recipe.name} is a copy of {source}, on {len(made.hosts)} host(s).")

    @rx.event
    def ask_delete(self, name: str):
        self.delete_target = name

    @rx.event
    def close_delete(self, _open: bool = False):
        self.delete_target = ""

    @rx.event
    @toasts_errors
    async def confirm_delete(self):
        name, self.delete_target = self.delete_target, ""
        hosts = await builder.delete_built_model(self.acting(), name)
        self._list_built()
        if self.editing == name:
            self._clear_form()
        return rx.toast.success(f"{name} is deleted from {len(hosts)} host(s).")
