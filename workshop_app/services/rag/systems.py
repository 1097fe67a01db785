"""RAG systems: a saved recipe (chat model, collections, template, limits) and answering with it.

`prepare` retrieves, applies the score threshold and fits the numbered sources into the
context window; the resulting `Inspection` keeps every retrieved chunk with its score and
fate, the exact prompt, and the token budget, so a person can see how the answer was made.
A system may list tools its answers can call; each call then shows up in the answer's trace.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field

from workshop_app.db.engine import session_scope
from workshop_app.db.ownership import Visibility
from workshop_app.db.rag_systems import RagSystem
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.chat.token_estimate import estimate_tokens
from workshop_app.services.core.choices import choice
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.core.owned_rows import owned_row, readable_rows
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.rag.collections import get_collection
from workshop_app.services.rag.retrieval import MAX_TOP_K, Hit, search_collection
from workshop_app.services.tools.loop import LoopEnded, TraceStep
from workshop_app.services.tools.playground import reply_with_tools
from workshop_app.services.tools.store import definitions_for
from workshop_app.services.workshops.policy import Action, Actor, require_model

CONTEXT, QUESTION = "{{context}}", "{{question}}"
_PLACEHOLDER = re.compile(r"\{\{(context|question)\}\}")
_CITATION = re.compile(r"\[(\d{1,3})\]")
MIN_ANSWER_TOKENS = 256

DEFAULT_TEMPLATE = f"""Answer the question using only the numbered sources below.
Cite each source you use by its number in brackets, like [1].
If the sources do not contain the answer, say that you do not know.

Sources:
{CONTEXT}

Question: {QUESTION}
Answer:"""


@dataclass(frozen=True)
class RagSpec:
    name: str
    chat_model: str
    collection_ids: list[int]
    prompt_template: str = DEFAULT_TEMPLATE
    top_k: int = 4
    score_threshold: float = 0.0
    num_ctx: int = 4096
    visibility: str = Visibility.PRIVATE
    tool_ids: tuple[int, ...] = ()


class Fate:
    USED = "used"
    BELOW_THRESHOLD = "below threshold"
    OVER_BUDGET = "cut: over the token budget"


@dataclass(frozen=True)
class Retrieved:
    hit: Hit
    fate: str
    number: int | None = None  # the citation number when the chunk is in the prompt


@dataclass(frozen=True)
class TokenBudget:
    """Estimated tokens (see token_count) against the context window `num_ctx`."""

    num_ctx: int
    reserved_for_answer: int
    frame_tokens: int  # template and question, without sources
    context_tokens: int
    available_for_context: int
    chunks_cut: int

    @property
    def prompt_tokens(self) -> int:
        return self.frame_tokens + self.context_tokens


@dataclass
class Inspection:
    question: str
    retrieved: list[Retrieved]
    prompt: str
    budget: TokenBudget
    warnings: list[str] = field(default_factory=list)
    reported_prompt_tokens: int | None = None  # Ollama's own count, once the answer is done

    @property
    def sources(self) -> list[Retrieved]:
        return [item for item in self.retrieved if item.number is not None]


def validate_spec(spec: RagSpec) -> None:
    if not spec.name.strip():
        raise InvalidInput("Give the RAG system a name.")
    for placeholder in (CONTEXT, QUESTION):
        if placeholder not in spec.prompt_template:
            raise InvalidInput(
                f"The prompt template needs {placeholder}.", hint="Put it where it belongs in the prompt."
            )
    if not spec.collection_ids:
        raise InvalidInput("Choose at least one collection.")
    if not 1 <= spec.top_k <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be between 1 and {MAX_TOP_K}.")
    if not -1.0 <= spec.score_threshold <= 1.0:
        raise InvalidInput("The score threshold must be between -1 and 1.")
    if not 512 <= spec.num_ctx <= 1_048_576:
        raise InvalidInput("num_ctx must be between 512 and 1,048,576 tokens.")


def create_rag_system(actor: Actor | None, spec: RagSpec) -> RagSystem:
    actor = require_model(actor, spec.chat_model)
    row = rag_system_row(actor, spec, actor.workshop_id)
    for collection_id in spec.collection_ids:
        get_collection(actor, collection_id)
    definitions_for(actor, spec.tool_ids)
    with session_scope() as session:
        session.add(row)
    return row


def rag_system_row(actor: Actor, spec: RagSpec, workshop_id: int | None) -> RagSystem:
    """An unsaved, checked row of `actor`'s (access to the collections is the caller's check)."""
    validate_spec(spec)
    return RagSystem(
        creator_id=actor.id,
        workshop_id=workshop_id,
        visibility=choice(Visibility, spec.visibility, "visibility"),
        name=spec.name.strip()[:120],
        chat_model=spec.chat_model,
        collection_ids=list(dict.fromkeys(spec.collection_ids)),
        prompt_template=spec.prompt_template,
        top_k=spec.top_k,
        score_threshold=spec.score_threshold,
        num_ctx=spec.num_ctx,
        tool_ids=list(dict.fromkeys(spec.tool_ids)),
    )


def list_rag_systems(actor: Actor | None) -> list[RagSystem]:
    with session_scope() as session:
        return readable_rows(session, actor, RagSystem)


def get_rag_system(actor: Actor | None, system_id: int, action: Action = Action.READ) -> RagSystem:
    with session_scope() as session:
        return owned_row(session, actor, RagSystem, system_id, action, "RAG system")


def delete_rag_system(actor: Actor | None, system_id: int) -> None:
    with session_scope() as session:
        session.delete(owned_row(session, actor, RagSystem, system_id, Action.DELETE, "RAG system"))


def render(template: str, context: str, question: str) -> str:
    """Fill both placeholders in one pass, so text inside a source or the question is never re-filled."""
    values = {"context": context, "question": question}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def source_block(number: int, hit: Hit) -> str:
    return f"[{number}] {hit.title} (chunk {hit.position + 1})\n{hit.text}"


async def prepare(
    actor: Actor | None, system_id: int, question: str, *, backends: tuple[OllamaBackend, ...] | None = None
) -> tuple[RagSystem, Inspection]:
    """Retrieve from every collection, keep the best `top_k`, and build the prompt within `num_ctx`."""
    system = get_rag_system(actor, system_id)
    require_model(actor, system.chat_model)
    if not question.strip():
        raise InvalidInput("Type a question.")
    hits: list[Hit] = []
    for collection_id in system.collection_ids:
        collection = get_collection(actor, collection_id)
        result = await search_collection(
            collection, question, system.top_k, user_id=actor.id if actor else None, backends=backends
        )
        hits += result.hits
    best = sorted(hits, key=lambda hit: hit.score, reverse=True)[: system.top_k]
    return system, build_inspection(system, question, best)


def build_inspection(system: RagSystem, question: str, hits: list[Hit]) -> Inspection:
    """Number the sources that pass the threshold and fit the budget; record why the others did not."""
    reserved = max(MIN_ANSWER_TOKENS, system.num_ctx // 4)
    frame = estimate_tokens(render(system.prompt_template, "", question))
    available = max(0, system.num_ctx - reserved - frame)
    blocks: list[str] = []
    retrieved, used_tokens, cut = [], 0, 0
    for hit in hits:
        if hit.score < system.score_threshold:
            retrieved.append(Retrieved(hit, Fate.BELOW_THRESHOLD))
            continue
        block = source_block(len(blocks) + 1, hit)
        cost = estimate_tokens(block + "\n\n")
        if used_tokens + cost > available:
            retrieved.append(Retrieved(hit, Fate.OVER_BUDGET))
            cut += 1
            continue
        blocks.append(block)
        used_tokens += cost
        retrieved.append(Retrieved(hit, Fate.USED, len(blocks)))
    budget = TokenBudget(system.num_ctx, reserved, frame, used_tokens, available, cut)
    inspection = Inspection(question, retrieved, render(system.prompt_template, "\n\n".join(blocks), question), budget)
    if cut:
        inspection.warnings.append(
            f"Context was cut: {cut} retrieved chunk(s) did not fit in num_ctx={system.num_ctx} "
            f"(about {available} tokens left for sources after the template, question"
            f" and {reserved} tokens for the answer)."
        )
    if not blocks:
        inspection.warnings.append("No source made it into the prompt: the model answers without retrieved context.")
    return inspection


async def stream_answer(
    actor: Actor | None, system: RagSystem, inspection: Inspection, *, backends: tuple[OllamaBackend, ...] | None = None
) -> AsyncGenerator[ChatChunk | TraceStep, None]:
    """Stream the chat model's answer to the inspected prompt, with `num_ctx` as prepared.

    With tools listed on the system the answer runs the tool loop (as the asking person,
    with a model that can call tools), and each call comes as a TraceStep once it ran.
    """
    actor = require_model(actor, system.chat_model)
    messages = [{"role": "user", "content": inspection.prompt}]
    options = {"num_ctx": system.num_ctx}
    replies = (
        reply_with_tools(actor, system.chat_model, system.tool_ids, messages, options=options, backends=backends)
        if system.tool_ids
        else stream_reply(system.chat_model, messages, options, backends, user_id=actor.id)
    )
    async with aclosing(replies):
        async for event in replies:
            if isinstance(event, ChatChunk) and event.stats is not None:
                inspection.reported_prompt_tokens = event.stats.prompt_tokens
            if isinstance(event, ChatChunk | TraceStep):
                yield event
            elif isinstance(event, LoopEnded):  # the loop's last round finished: the answer is whole
                yield ChatChunk("", done=True)


def cited_numbers(answer: str, inspection: Inspection) -> list[int]:
    """The source numbers the answer cites that exist, in first-cited order."""
    valid = {item.number for item in inspection.sources}
    return list(dict.fromkeys(n for n in map(int, _CITATION.findall(answer)) if n in valid))
