"""The Reflex app: pages plus the REST API mounted in front of Reflex's own routes."""

import reflex as rx

from workshop_app.api import build_api
from workshop_app.pages.models import models_page
from workshop_app.pages.playground import playground_page
from workshop_app.pages.sections import register_upcoming
from workshop_app.state.log_context import install_ui_event_ids
from workshop_app.state.models_state import ModelsState
from workshop_app.state.playground_state import PlaygroundState


def index() -> rx.Component:
    return rx.fragment()


install_ui_event_ids()
app = rx.App(api_transformer=build_api())
app.add_page(index, route="/", title="Ollama Workshop", on_load=rx.redirect("/playground"))
app.add_page(models_page, route="/models", title="Models · Ollama Workshop", on_load=ModelsState.refresh)
app.add_page(playground_page, route="/playground", title="Playground · Ollama Workshop", on_load=PlaygroundState.load_models)
register_upcoming(app)
