"""The Reflex app: pages plus the REST API mounted in front of Reflex's own routes."""

import reflex as rx

from workshop_app.api import build_api
from workshop_app.file_modes import keep_new_files_private
from workshop_app.pages.admin import admin_page
from workshop_app.pages.arena import arena_page
from workshop_app.pages.collections import collections_page
from workshop_app.pages.compare import compare_page
from workshop_app.pages.dashboard import dashboard_page
from workshop_app.pages.documents import documents_page
from workshop_app.pages.evaluate import evaluate_page
from workshop_app.pages.exercises import exercises_page
from workshop_app.pages.join import join_page
from workshop_app.pages.login import login_page
from workshop_app.pages.model_builder import model_builder_page
from workshop_app.pages.model_details import ROUTE as MODEL_DETAILS_ROUTE
from workshop_app.pages.model_details import model_details_page
from workshop_app.pages.models import models_page
from workshop_app.pages.not_found import not_found_page
from workshop_app.pages.playground import playground_page
from workshop_app.pages.profile import profile_page
from workshop_app.pages.prompts import prompts_page
from workshop_app.pages.rag import rag_page
from workshop_app.pages.register import register_page
from workshop_app.pages.sections import register_upcoming
from workshop_app.pages.tool_playground import tool_playground_page
from workshop_app.pages.tools import tools_page
from workshop_app.pages.usage import usage_page
from workshop_app.pages.workshop import workshop_page
from workshop_app.serving import freeze_startup_heap
from workshop_app.state.account_forms_state import AccountFormsState
from workshop_app.state.admin_state import AdminState
from workshop_app.state.arena_state import ArenaState
from workshop_app.state.auth_state import AuthState
from workshop_app.state.collections_state import CollectionsState
from workshop_app.state.compare_state import CompareState
from workshop_app.state.dashboard_state import DashboardState
from workshop_app.state.documents_state import DocumentsState
from workshop_app.state.evaluation_state import EvaluationState
from workshop_app.state.exercises_state import ExercisesState
from workshop_app.state.log_context import install_ui_event_ids
from workshop_app.state.model_builder_state import ROUTE as BUILDER_ROUTE
from workshop_app.state.model_builder_state import ModelBuilderState
from workshop_app.state.model_detail_state import ModelDetailState
from workshop_app.state.models_state import ModelsState
from workshop_app.state.playground_state import PlaygroundState
from workshop_app.state.profile_state import ProfileState
from workshop_app.state.prompts_state import PromptsState
from workshop_app.state.rag_state import RagState
from workshop_app.state.tool_playground_state import ToolPlaygroundState
from workshop_app.state.tools_state import ToolsState
from workshop_app.state.usage_state import UsageState
from workshop_app.state.workshop_state import WorkshopState


def index() -> rx.Component:
    return rx.fragment()


install_ui_event_ids()
keep_new_files_private()  # also when served by `reflex run` rather than `workshop run`
ICON_LINKS = [  # assets/ is served at the site's root; the app window and browser tabs show these
    rx.el.link(rel="icon", href="/favicon.ico", sizes="48x48"),
    rx.el.link(rel="icon", href="/icon.svg", type="image/svg+xml"),
    rx.el.link(rel="apple-touch-icon", href="/icon-256.png"),
]
app = rx.App(api_transformer=build_api(), head_components=ICON_LINKS, stylesheets=["/accessibility.css"])
app.register_lifespan_task(freeze_startup_heap)  # runs in each server worker once the app is loaded
app.add_page(index, route="/", title="Ollama Workshop", on_load=rx.redirect("/playground"))
app.add_page(
    models_page,
    route="/models",
    title="Models · Ollama Workshop",
    on_load=[AuthState.require_sign_in, ModelsState.refresh],
)
app.add_page(
    model_builder_page,
    route=BUILDER_ROUTE,
    title="Build a model · Ollama Workshop",
    on_load=[AuthState.require_sign_in, ModelBuilderState.load],
)
app.add_page(
    model_details_page, route=MODEL_DETAILS_ROUTE, title="Model · Ollama Workshop", on_load=ModelDetailState.load
)
app.add_page(
    playground_page, route="/playground", title="Playground · Ollama Workshop", on_load=PlaygroundState.load_models
)
app.add_page(compare_page, route="/compare", title="Compare models · Ollama Workshop", on_load=CompareState.load)
app.add_page(prompts_page, route="/prompts", title="Prompts · Ollama Workshop", on_load=PromptsState.load)
app.add_page(login_page, route="/login", title="Sign in · Ollama Workshop", on_load=AccountFormsState.open_login)
app.add_page(
    register_page, route="/register", title="Create an account · Ollama Workshop", on_load=AccountFormsState.open_login
)
app.add_page(join_page, route="/join", title="Join a workshop · Ollama Workshop", on_load=AccountFormsState.open_join)
app.add_page(
    join_page, route="/join/[join_code]", title="Join a workshop · Ollama Workshop", on_load=AccountFormsState.open_join
)
app.add_page(profile_page, route="/profile", title="Profile · Ollama Workshop", on_load=ProfileState.load)
app.add_page(workshop_page, route="/workshop", title="Workshop · Ollama Workshop", on_load=WorkshopState.load)
app.add_page(admin_page, route="/admin", title="Admin · Ollama Workshop", on_load=AdminState.load)
app.add_page(dashboard_page, route="/dashboard", title="Dashboard · Ollama Workshop", on_load=DashboardState.load)
app.add_page(documents_page, route="/documents", title="Documents · Ollama Workshop", on_load=DocumentsState.load)
app.add_page(
    collections_page, route="/collections", title="Collections · Ollama Workshop", on_load=CollectionsState.load
)
app.add_page(rag_page, route="/rag", title="RAG · Ollama Workshop", on_load=RagState.load)
app.add_page(
    evaluate_page, route="/evaluate", title="Evaluate retrieval · Ollama Workshop", on_load=EvaluationState.load
)
app.add_page(arena_page, route="/arena", title="Arena · Ollama Workshop", on_load=ArenaState.load)
app.add_page(exercises_page, route="/exercises", title="Exercises · Ollama Workshop", on_load=ExercisesState.load)
app.add_page(tools_page, route="/tools", title="Tools · Ollama Workshop", on_load=ToolsState.load)
app.add_page(not_found_page, route="404", title="Page not found · Ollama Workshop")
app.add_page(usage_page, route="/usage", title="My usage · Ollama Workshop", on_load=UsageState.load)
app.add_page(
    tool_playground_page,
    route="/tools/playground",
    title="Tool playground · Ollama Workshop",
    on_load=ToolPlaygroundState.load,
)
register_upcoming(app)
