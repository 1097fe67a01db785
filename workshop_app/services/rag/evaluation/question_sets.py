"""Question sets: save, list, read and delete, checked whole before anything is stored.

Each question names a document of the collection that a good search should find, and
optionally a passage of it: then only a chunk overlapping that passage counts as found.
A question set naming a document the collection does not hold is refused at save time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from workshop_app.db.documents import Document
from workshop_app.db.engine import session_scope
from workshop_app.db.ownership import Visibility
from workshop_app.db.question_sets import QuestionSet
from workshop_app.services.core.choices import choice
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.core.owned_rows import owned_row, readable_rows
from workshop_app.services.rag.collections import MemberDocument, member_documents
from workshop_app.services.rag.retrieval import MAX_TOP_K
from workshop_app.services.workshops.policy import Action, Actor, require_actor

MAX_QUESTIONS = 50
QUESTION_MAX_CHARS = 1000
SEPARATOR = "|"


@dataclass(frozen=True)
class QuestionSpec:
    question: str
    document_id: int
    expected_text: str = ""  # a passage of the document; empty: any chunk of the document counts


@dataclass(frozen=True)
class QuestionSetSpec:
    name: str
    collection_id: int
    questions: list[QuestionSpec]
    top_k: int = 3
    visibility: str = Visibility.PRIVATE


@dataclass(frozen=True)
class Expected:
    """A saved question with where its answer lies: a document, and a character span of it for a passage."""

    question: str
    document_id: int
    title: str
    expected_text: str = ""
    start: int = 0
    end: int = 0

    def covers(self, document_id: int, start: int, length: int) -> bool:
        """Whether a chunk (its document, offset and length) is what this question should find."""
        if document_id != self.document_id:
            return False
        return not self.expected_text or (start < self.end and self.start < start + length)


def check_top_k(top_k: int) -> int:
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"k = {top_k} is out of range.", hint=f"Use a k from 1 to {MAX_TOP_K}.")
    return top_k


def create_question_set(actor: Actor | None, spec: QuestionSetSpec) -> QuestionSet:
    """Check every question against the collection, then store the set in one row (or nothing)."""
    actor = require_actor(actor)
    titles = {member.document_id: member.title for member in member_documents(actor, spec.collection_id)}
    with session_scope() as session:
        row = checked_row(actor, actor.workshop_id, spec, titles, lambda document_id: _text(session, document_id))
        session.add(row)
    return row


def checked_row(
    actor: Actor, workshop_id: int | None, spec: QuestionSetSpec, titles: dict[int, str], text_of: Callable[[int], str]
) -> QuestionSet:
    """An unsaved row of `actor`'s for `spec`, whose questions may name only the documents in `titles`."""
    name = spec.name.strip()
    if not name:
        raise InvalidInput("Give the question set a name.")
    if not 1 <= len(spec.questions) <= MAX_QUESTIONS:
        raise InvalidInput(f"A question set holds 1 to {MAX_QUESTIONS} questions; this one has {len(spec.questions)}.")
    expected = [_expected(number, q, titles, text_of) for number, q in enumerate(spec.questions, start=1)]
    return QuestionSet(
        creator_id=actor.id,
        workshop_id=workshop_id,
        visibility=choice(Visibility, spec.visibility, "visibility"),
        name=name[:120],
        collection_id=spec.collection_id,
        top_k=check_top_k(spec.top_k),
        questions=[vars(item) for item in expected],
    )


def _text(session: Session, document_id: int) -> str:
    document = session.get(Document, document_id)
    return document.text if document is not None else ""


def _expected(number: int, spec: QuestionSpec, titles: dict[int, str], text_of: Callable[[int], str]) -> Expected:
    question = " ".join(spec.question.split())
    if not question:
        raise InvalidInput(f"Question {number} is empty.", hint="Write the question, or remove its line.")
    if len(question) > QUESTION_MAX_CHARS:
        raise InvalidInput(f"Question {number} is {len(question)} characters; the limit is {QUESTION_MAX_CHARS}.")
    title = titles.get(spec.document_id)
    if title is None:
        raise InvalidInput(
            f"Question {number} expects document {spec.document_id}, which is not in this collection.",
            hint=f"Its documents: {_titles(titles)}.",
        )
    passage = spec.expected_text.strip()
    if not passage:
        return Expected(question, spec.document_id, title)
    start = text_of(spec.document_id).lower().find(passage.lower())
    if start < 0:
        raise InvalidInput(
            f"Question {number}: the passage “{passage[:60]}” is not in {title}.",
            hint="Copy the passage from the document exactly, or leave it out to accept any chunk of it.",
        )
    return Expected(question, spec.document_id, title, passage, start, start + len(passage))


def _titles(titles: dict[int, str]) -> str:
    return (
        ", ".join(f"{title} ({document_id})" for document_id, title in titles.items())
        or "none yet — add documents first"
    )


def parse_lines(text: str, members: list[MemberDocument]) -> list[QuestionSpec]:
    """Questions written one per line as `question | document title` or `question | title | passage`."""
    by_title = {member.title.lower(): member for member in members}
    specs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(SEPARATOR, 2)]
        if len(parts) < 2:
            raise InvalidInput(
                f"Line {number} names no document.", hint="Write each line as: question | document title"
            )
        member = by_title.get(parts[1].lower())
        if member is None:
            raise InvalidInput(
                f"Line {number} names “{parts[1]}”, which is not a document of this collection.",
                hint=f"Its documents: {', '.join(m.title for m in members) or 'none yet — add documents first'}.",
            )
        specs.append(QuestionSpec(parts[0], member.document_id, parts[2] if len(parts) > 2 else ""))
    return specs


def as_lines(question_set: QuestionSet) -> str:
    """The set written the way `parse_lines` reads it."""
    return "\n".join(
        f" {SEPARATOR} ".join(filter(None, [q["question"], q["title"], q.get("expected_text", "")]))
        for q in question_set.questions
    )


def expected_of(question_set: QuestionSet) -> list[Expected]:
    return [Expected(**item) for item in question_set.questions]


def list_question_sets(actor: Actor | None, collection_id: int | None = None) -> list[QuestionSet]:
    """The sets this person may read, newest first; only one collection's with `collection_id`."""
    with session_scope() as session:
        rows = readable_rows(session, actor, QuestionSet)
    return [row for row in rows if collection_id is None or row.collection_id == collection_id]


def load(session: Session, actor: Actor | None, set_id: int, action: Action = Action.READ) -> QuestionSet:
    return owned_row(session, actor, QuestionSet, set_id, action, "Question set")


def get_question_set(actor: Actor | None, set_id: int) -> QuestionSet:
    with session_scope() as session:
        return load(session, actor, set_id)


def delete_question_set(actor: Actor | None, set_id: int) -> None:
    with session_scope() as session:
        session.delete(load(session, actor, set_id, Action.DELETE))
