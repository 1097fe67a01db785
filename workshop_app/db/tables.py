"""Imports every table module so SQLModel.metadata is complete (Alembic reads it)."""

from workshop_app.db.arena import Arena, ArenaRound
from workshop_app.db.chats import Chat, ChatMessage
from workshop_app.db.collections import CollectionDocument, VectorCollection
from workshop_app.db.documents import Document
from workshop_app.db.exercises import Exercise, ExerciseSubmission
from workshop_app.db.help_requests import HelpRequest
from workshop_app.db.model_recipes import ModelRecipe
from workshop_app.db.model_requests import ModelRequest
from workshop_app.db.prompts import Prompt, PromptVersion
from workshop_app.db.question_sets import QuestionSet
from workshop_app.db.rag_answers import RagAnswer
from workshop_app.db.rag_systems import RagSystem
from workshop_app.db.tool_definitions import ToolRecord
from workshop_app.db.users import ApiKey, AuthSession, User
from workshop_app.db.workshops import Workshop, WorkshopMember

__all__ = [
    "Arena",
    "ArenaRound",
    "ApiKey",
    "AuthSession",
    "Chat",
    "ChatMessage",
    "CollectionDocument",
    "Document",
    "Exercise",
    "ExerciseSubmission",
    "HelpRequest",
    "ModelRecipe",
    "ModelRequest",
    "Prompt",
    "PromptVersion",
    "QuestionSet",
    "RagAnswer",
    "RagSystem",
    "ToolRecord",
    "User",
    "VectorCollection",
    "Workshop",
    "WorkshopMember",
]
