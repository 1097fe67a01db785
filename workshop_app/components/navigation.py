"""The platform's sections, in sidebar order: one source for the sidebar and the routes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    label: str
    route: str
    icon: str
    purpose: str


SECTIONS: tuple[Section, ...] = (
    Section("Models", "/models", "boxes", "See every model on every Ollama host, with its health."),
    Section("Playground", "/playground", "message-square", "Chat with a model and watch the reply stream in."),
    Section("Prompts", "/prompts", "book-open", "Keep reusable prompt templates with {{variables}}."),
    Section("Tools", "/tools", "wrench", "Define tools a model can call, and test them step by step."),
    Section("Documents", "/documents", "file-text", "Upload documents to ground answers in your own material."),
    Section("Collections", "/collections", "database", "Embed documents into vector collections and search them."),
    Section("RAG", "/rag", "sparkles", "Build retrieval-augmented chat with citations."),
    Section("My usage", "/usage", "gauge", "See your tokens against the quota, your requests, waits and models."),
    Section("Exercises", "/exercises", "list-checks", "Tasks with automatic checks and a class progress board."),
    Section("Arena", "/arena", "swords", "Judge two anonymous models side by side; see the class leaderboard."),
    Section("Evaluate", "/evaluate", "target", "Measure how well a collection's search finds the right chunks."),
    Section("Workshop", "/workshop", "users", "Run a workshop: join code, roster and limits."),
    Section("Dashboard", "/dashboard", "activity", "Watch a workshop live: attendees, usage, queues."),
    Section("Admin", "/admin", "shield", "Manage users and the platform."),
)
