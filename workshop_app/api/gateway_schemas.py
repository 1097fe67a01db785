"""Request bodies of the gateway as schemas: checked before anything reaches a model, documented, fuzzable.

A body of the wrong shape (`"options": 5`, `messages: [1, 2]`, `content: 123`) or a
generation option out of range (`top_k: -5`, `num_ctx: 1e12`, `temperature: "hot"`)
is refused with a sentence saying where and what, before Ollama sees it. The ranges
are the Playground's (services/chat/options), so both faces allow the same. What the
values mean for the model (a schema that is valid JSON Schema, an image that is an image)
is checked next, in services/gateway/inputs. Fields the platform does not use (generate's
`context`, OpenAI's `n`, `logprobs`, ...) are ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

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


GenerationOptions = create_model(  # type: ignore[call-overload]
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


Images = list[str] | None
IMAGES = Field(None, max_length=16, description="Base64 images (PNG, JPEG, GIF, WebP) for a vision model.")
Format = Literal["", "json"] | dict[str, Any] | None
FORMAT = Field(None, description='"json", or a JSON schema the reply must fit.')
Think = bool | Literal["low", "medium", "high"] | None
THINK = Field(None, description="Reason before answering (a thinking model): true/false or a level; streamed apart.")
# Ollama's keep_alive: seconds, or a duration such as "10m" or "1h30m". Forever (negative) is the instructor's call.
DURATION = r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h)?)+$"
KeepAlive = Annotated[float, Field(ge=0)] | Annotated[str, Field(pattern=DURATION)] | None
KEEP_ALIVE = Field(None, description='How long the model stays in memory after the request (e.g. "10m"; 0 unloads).')


class OllamaMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # tool_calls, tool_name, thinking... travel on as Ollama sends them

    role: Role
    content: str | None = None
    images: Images = IMAGES


Tools = list[dict[str, Any]] | None
TOOLS = Field(None, max_length=64, description="Functions the model may call, as JSON-schema descriptions.")


class OllamaChatRequest(Wire):
    model: str = ModelName
    messages: list[OllamaMessage] = Field(description="The conversation so far, oldest first.")
    stream: bool = True
    tools: Tools = TOOLS
    options: GenerationOptions | None = None  # type: ignore[valid-type]
    format: Format = FORMAT
    think: Think = THINK
    keep_alive: KeepAlive = KEEP_ALIVE


class OllamaGenerateRequest(Wire):
    model: str = ModelName
    prompt: str = Field(min_length=1)
    suffix: str | None = Field(None, description="Text after the insertion point (fill-in-the-middle models).")
    system: str | None = None
    template: str | None = Field(None, description="A prompt template instead of the model's own.")
    raw: bool | None = Field(None, description="Send the prompt as it is, without the model's template.")
    images: Images = IMAGES
    stream: bool = True
    options: GenerationOptions | None = None  # type: ignore[valid-type]
    format: Format = FORMAT
    think: Think = THINK
    keep_alive: KeepAlive = KEEP_ALIVE


DIMENSIONS = Field(None, ge=1, le=65536, strict=True, description="Shorten each vector to this many numbers.")


class OllamaEmbedRequest(Wire):
    model: str = ModelName
    input: str | list[str] = Field(description="One text or a non-empty list of texts.")
    truncate: bool | None = Field(None, description="Cut texts longer than the context (default); false refuses them.")
    dimensions: int | None = DIMENSIONS
    keep_alive: KeepAlive = KEEP_ALIVE

    def extras(self) -> dict[str, Any]:
        """What /api/embed takes besides the texts."""
        return self.model_dump(include={"truncate", "dimensions", "keep_alive"}, exclude_none=True)


class OllamaShowRequest(Wire):
    model: str | None = Field(None, max_length=300)
    name: str | None = Field(None, max_length=300, description="The older name of `model`.")


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ImageURL(BaseModel):
    url: str = Field(description="A data URL: data:image/png;base64,... (the gateway fetches nothing from the web).")
    detail: str | None = None


class ImagePart(BaseModel):
    type: Literal["image_url"]
    image_url: ImageURL


Part = Annotated[TextPart | ImagePart, Field(discriminator="type")]


class OpenAIMessage(BaseModel):
    role: Role
    content: str | list[Part] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = Field(None, description="The assistant's earlier calls of tools.")
    tool_call_id: str | None = Field(None, max_length=300, description="The call a `tool` message answers.")

    def as_ollama(self) -> dict[str, Any]:
        """Text parts joined, image parts as their URLs; calls and call ids kept for the gateway to translate."""
        parts = self.content if isinstance(self.content, list) else []
        content = "".join(part.text for part in parts if isinstance(part, TextPart)) if parts else self.content
        images = {"images": [part.image_url.url for part in parts if isinstance(part, ImagePart)]}
        calls = {"tool_calls": self.tool_calls} if self.tool_calls else {}
        answers = {"tool_call_id": self.tool_call_id} if self.tool_call_id is not None else {}
        return {"role": self.role, "content": content or "", **(images if images["images"] else {}), **calls, **answers}


class JSONSchemaFormat(BaseModel):
    name: str | None = Field(None, max_length=64)
    schema_: dict[str, Any] = Field(alias="schema", description="The JSON schema the reply must fit.")
    strict: bool | None = None


class ResponseFormat(BaseModel):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JSONSchemaFormat | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, by_alias=True)


class StreamOptions(BaseModel):
    include_usage: bool | None = None


Effort = Literal["none", "low", "medium", "high"]


class Reasoning(BaseModel):
    effort: Effort | None = None


class OpenAIChatRequest(Wire):
    model: str = ModelName
    messages: list[OpenAIMessage]
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    temperature: float | None = _bounded("temperature")
    top_p: float | None = _bounded("top_p")
    seed: int | None = _bounded("seed")
    presence_penalty: float | None = _more(*_MORE_SAMPLING["presence_penalty"])[1]
    frequency_penalty: float | None = _more(*_MORE_SAMPLING["frequency_penalty"])[1]
    max_tokens: int | None = Field(None, ge=1, le=_RANGES["num_predict"].high, strict=True, description="Reply length.")
    max_completion_tokens: int | None = Field(
        None, ge=1, le=_RANGES["num_predict"].high, strict=True, description="The newer name of `max_tokens`."
    )
    stop: Stop = None
    tools: Tools = TOOLS
    tool_choice: Literal["none", "auto", "required"] | dict[str, Any] | None = None
    response_format: ResponseFormat | None = None
    reasoning_effort: Effort | None = Field(None, description="A thinking model's effort; `none` turns thinking off.")
    reasoning: Reasoning | None = None

    def wire(self) -> dict[str, Any]:
        wire = {**super().wire(), "messages": [message.as_ollama() for message in self.messages]}
        if self.response_format is not None:
            wire["response_format"] = self.response_format.wire()
        return wire


class OpenAIEmbeddingsRequest(Wire):
    model: str = ModelName
    input: str | list[str] = Field(description="One text or a non-empty list of texts (not token arrays).")
    encoding_format: Literal["float", "base64"] | None = None
    dimensions: int | None = DIMENSIONS
