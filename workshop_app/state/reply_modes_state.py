"""What the next reply asks of the model beyond text: its reasoning, JSON that fits a schema, images.

Mixed into a page state that sends chats; the checks are the chat service's, so the page
refuses what the service would (a toast naming the problem) before anything is sent.
"""

from __future__ import annotations

import reflex as rx

from workshop_app.services.chat.reply_modes import (
    check_attachments,
    data_url,
    example_schema_text,
    image_attachment,
    parse_schema,
)
from workshop_app.state.feedback import toasts_errors

IMAGE_UPLOAD_ID = "chat-images"
IMAGE_TYPES = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/gif": [".gif"], "image/webp": [".webp"]}


class SchemaMode(rx.State, mixin=True):
    """Structured output: whether replies must fit a JSON schema, and the schema in the editor."""

    structured: bool = False
    schema_text: str = ""

    @rx.event
    def set_structured(self, value: bool):
        self.structured = value
        if value and not self.schema_text.strip():
            self.schema_text = example_schema_text()

    @rx.event
    def set_schema_text(self, value: str):
        self.schema_text = value

    @rx.event
    def insert_example_schema(self):
        self.schema_text = example_schema_text()

    @rx.event
    @toasts_errors
    def check_schema(self):
        """Leaving the editor says at once whether the schema is one."""
        parse_schema(self.schema_text)

    def _schema(self) -> str:
        return self.schema_text if self.structured else ""


class ReplyModes(SchemaMode, mixin=True):
    """Structured output, the Thinking toggle and the images waiting to be sent."""

    think: bool = False
    attachments: list[str] = []  # data URLs: shown as thumbnails, sent as base64

    @rx.event
    def set_think(self, value: bool):
        self.think = value

    @rx.event
    @toasts_errors
    async def attach_images(self, files: list[rx.UploadFile]):
        """Dropped or chosen files, each checked by its first bytes and size, wait as thumbnails until sent."""
        added = [data_url(image_attachment(await file.read(), file.name or "image")) for file in files]
        check_attachments(tuple(_base64(url) for url in [*self.attachments, *added]))
        self.attachments = [*self.attachments, *added]
        return rx.clear_selected_files(IMAGE_UPLOAD_ID)

    @rx.event
    def remove_attachment(self, index: int):
        self.attachments = [url for position, url in enumerate(self.attachments) if position != index]

    def _images(self) -> tuple[str, ...]:
        return tuple(_base64(url) for url in self.attachments)


def _base64(url: str) -> str:
    return url.split(",", 1)[1]
