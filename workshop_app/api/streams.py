"""A person's running streams over REST: list them and stop one, whichever tab, worker or script started it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.services.core.jobs import Job
from workshop_app.services.core.running_streams import stop_stream, streams_running

router = APIRouter(prefix="/streams", tags=["streams"])

StreamId = Annotated[str, Path(min_length=1, max_length=64, description="A stream's id, as the list gives it")]


class StreamOut(BaseModel):
    id: str
    kind: str = Field(description="chat-reply, comparison, rag-answer, tool-run or arena-round")
    subject: str = Field(
        description="What it works on: the chat's id, the models compared, the RAG system's name, "
        "the tool playground's model, or the arena round's id"
    )
    status: str = Field(description="running while it streams; cancelled once stopped")
    started_at: datetime

    @classmethod
    def of(cls, job: Job) -> StreamOut:
        started = datetime.fromtimestamp(job.started_at, UTC)
        return cls(id=job.id, kind=job.kind, subject=job.subject, status=job.status.value, started_at=started)


@router.get(
    "",
    summary="Your own streams running now, in any tab or worker, oldest first",
    description="503 when the shared store (Redis) of a scaled-out platform cannot be reached.",
)
async def list_streams(actor: CurrentActor) -> list[StreamOut]:
    return [StreamOut.of(job) for job in await streams_running(actor)]


@router.post(
    "/{stream_id}/stop",
    summary="Stop one of your running streams, in whichever tab or worker it streams",
    description=(
        "Ends the stream as the Stop button of the tab that started it does: the request to the model is "
        "closed, the queue slot and quota are given back, what was written so far is kept as stopped, and "
        "the answer comes once it is saved. 404 when no stream of yours with that id is running (none, "
        "ended, or someone else's); 503 when the shared store (Redis) cannot be reached."
    ),
)
async def stop(stream_id: StreamId, actor: CurrentActor) -> StreamOut:
    return StreamOut.of(await stop_stream(actor, stream_id))
