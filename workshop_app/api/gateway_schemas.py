"""Request bodies of the gateway as schemas: checked before anything reaches a model, documented, fuzzable.

A body of the wrong shape (`"options": 5`, `messages: [1, 2]`, `content: 123`) or a
generation option out of range (`top_k: -5`, `num_ctx: 1e12`, `temperature: "hot"`)
is refused with a sentence saying where and what, before Ollama sees it. The ranges
are the Playground's (services/chat/options), so both faces allow the same.
Fields the platform does not use (`keep_alive`, `format`, OpenAI's `n`, ...) are ignored.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from workshop_app.services.chat.options import PARAMETERS

Role = Literal["system", "user", "assistant", "tool"]
ModelName = Field(min_length=1, max_length=300, description="A model of your workshop (/ollama/api/tags, /v1/models).")
Stop = str | list[str] | None
_RANGES = {parameter.name: parameter for parameter in PARAMETERS}


def _bounded(name: str, description: str = "") -> Any:
    """A field with the range and number type the Playground allows for this generation option."""
    parameter = _RANGES[name]
    return Field(None, ge=parameter.low, le=parameter.high, strict=True, description=description or parameter.help)


def _number_type(name: str) -> Any:
    return (int if _RANGES[name].integer else float) | None


# Ollama's other sampling options, for notebooks that set them; settings of the host itself
# (num_gpu, num_thread, num_batch, use_mmap, ...) are the instructor's and stay refused.
_MORE_SAMPLING: dict[str, tuple[type, float, float, str]] = {
    "min_p": (float, 0, 1, "Drop tokens less likely than this share of the likeliest one (0–1)."),
    "typical_p": (float, 0, 1, "Locally typical sampling (0–1)."),
    "repeat_penalty": (float, 0, 5, "Penalise tokens seen recently (0–5; 1 = off)."),
    "repeat_last_n": (int, -1, 32768, "How far back repeat_penalty looks (-1 = the whole context)."),
    "presence_penalty": (float, -2, 2, "Penalise tokens that appeared at all (-2–2)."),
    "frequency_penalty": (float, -2, 2, "Penalise tokens by how often they appeared (-2–2)."),
    "num_keep": (int, -1, 131072, "Prompt tokens kept when the context is shifted."),
    "mirostat": (int, 0, 2, "Mirostat sampling: 0 off, 1 or 2 its versions."),
    "mirostat_tau": (float, 0, 20, "Mirostat's target surprise."),
    "mirostat_eta": (float, 0, 1, "Mirostat's learning rate."),
}


def _more(kind: type, low: float, high: float, description: str) -> tuple[Any, Any]:
    return kind | None, Field(None, ge=low, le=high, strict=True, description=description)


GenerationOptions = create_model(  # type: ignore[call-overload]  # mypy matches the unpacked fields to __base__ too
    "GenerationOptions",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Ollama's `options`: the generation parameters the workshop allows, each within its range.",
    **{name: (_number_type(name), _bounded(name)) for name in _RANGES},
    **{name: _more(*spec) for name, spec in _MORE_SAMPLING.items()},
    penalize_newline=(bool | None, Field(None, description="Penalise newlines like other repeated tokens.")),
    tool_choice=(
        Literal["auto", "required"] | None,
        Field(None, description="`required`: the reply is a call of one of the offered tools (the built-in engine)."),
    ),
    stop=(Stop, Field(None, description="Text at which the reply ends.")),
)


class Wire(BaseModel):
    def wire(self) -> dict[str, Any]:
        """The fields the platform uses, as the gateway service reads them."""
        return self.model_dump(exclude_none=True)


class OllamaMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # images, tool_calls, thinking... travel on as Ollama sends them

    role: Role
    content: str | None = None


Tools = list[dict[str, Any]] | None
TOOLS = Field(None, max_length=64, description="Functions the model may call, as JSON-schema descriptions.")


class OllamaChatRequest(Wire):
    model: str = ModelName
    messages: list[OllamaMessage] = Field(description="The conversation so far, oldest first.")
    stream: bool = True
    tools: Tools = TOOLS
    options: GenerationOptions | None = None


class OllamaGenerateRequest(Wire):
    model: str = ModelName
    prompt: str = Field(min_length=1)
    system: str | None = None
    stream: bool = True
    options: GenerationOptions | None = None


class OllamaEmbedRequest(Wire):
    model: str = ModelName
    input: str | list[str] = Field(description="One text or a non-empty list of texts.")


class OllamaShowRequest(Wire):
    model: str | None = Field(None, max_length=300)
    name: str | None = Field(None, max_length=300, description="The older name of `model`.")


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class OpenAIMessage(BaseModel):
    role: Role
    content: str | list[TextPart] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = Field(None, description="The assistant's earlier calls of tools.")
    tool_call_id: str | None = Field(None, max_length=300, description="The call a `tool` message answers.")

    def as_ollama(self) -> dict[str, Any]:
        """Text parts joined; calls and call ids kept for the gateway to turn into Ollama's terms."""
        content = self.content if not isinstance(self.content, list) else "".join(part.text for part in self.content)
        calls = {"tool_calls": self.tool_calls} if self.tool_calls else {}
        answers = {"tool_call_id": self.tool_call_id} if self.tool_call_id is not None else {}
        return {"role": self.role, "content": content or "", **calls, **answers}


class OpenAIChatRequest(Wire):
    model: str = ModelName
    messages: list[OpenAIMessage]
    stream: bool | None = False
    temperature: float | None = _bounded("temperature")
    top_p: float | None = _bounded("top_p")
    seed: int | None = _bounded("seed")
    presence_penalty: float | None = _more(*_MORE_SAMPLING["presence_penalty"])[1]
    frequency_penalty: float | None = _more(*_MORE_SAMPLING["frequency_penalty"])[1]
    max_tokens: int | None = Field(None, ge=1, le=_RANGES["num_predict"].high, strict=True, description="Reply length.")
    stop: Stop = None
    tools: Tools = TOOLS
    tool_choice: Literal["none", "auto", "required"] | dict[str, Any] | None = None

    def wire(self) -> dict[str, Any]:
        return {**super().wire(), "messages": [message.as_ollama() for message in self.messages]}


class OpenAIEmbeddingsRequest(Wire):
    model: str = ModelName
    input: str | list[str] = Field(description="One text or a non-empty list of texts (not token arrays).")
    encoding_format: Literal["float", "base64"] | None = None
