"""The platform's configuration: the only place that reads environment variables.

Every value comes from `WORKSHOP_*` variables (or a `.env` file in the working
directory) and is validated here, so a typo fails at start-up with a clear line
instead of surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import limits
from dotenv import dotenv_values
from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from workshop_app.process_wide import ProcessWide

ENV_PREFIX = "WORKSHOP_"
SECRET_KEY_FILE = "secret_key"
PROJECT_DIR = Path(__file__).resolve().parent.parent
APP_DIR_NAME = "ollama-workshop"


def xdg_data_home() -> Path:
    """The user's freedesktop data folder (the spec ignores an empty or relative XDG_DATA_HOME)."""
    base = os.environ.get("XDG_DATA_HOME", "")
    return Path(base if os.path.isabs(base) else "~/.local/share")


def user_data_dir() -> Path:
    """Where an installed app keeps its data, one place wherever it is started from."""
    return xdg_data_home() / APP_DIR_NAME


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
EngineMode = Literal["auto", "embedded", "off"]


class Settings(BaseSettings):
    """Validated settings; see `.env.example` for every variable and its meaning."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    data_dir: Path = Field(
        default_factory=user_data_dir,
        description="Where the database, uploads, Chroma data, the secret key and the built web interface live;"
        " by default the user's data directory ($XDG_DATA_HOME/ollama-workshop), whatever the current directory.",
    )
    database_url: str = Field("", description="SQLAlchemy URL; empty means a SQLite file in the data directory.")
    db_pool_size: int = Field(20, ge=1, le=1000, description="Postgres connection pool size.")
    db_max_overflow: int = Field(10, ge=0, le=1000, description="Extra Postgres connections beyond the pool.")
    db_pool_pre_ping: bool = Field(True, description="Check Postgres connections before use.")
    db_pool_recycle: int = Field(
        300, ge=1, le=86400, description="Seconds after which Postgres connections are recycled."
    )
    ollama_urls: Annotated[list[AnyHttpUrl], NoDecode] = Field(
        default_factory=lambda: [AnyHttpUrl("http://localhost:11434")],
        description="Comma-separated Ollama base URLs.",
    )
    engine: EngineMode = Field(
        "auto",
        description=(
            "The built-in model engine (real small models on the CPU): auto = `workshop run` starts it when none of "
            "WORKSHOP_OLLAMA_URLS answers and serves it instead of them;"
            " embedded = always, beside those hosts; off = never."
        ),
    )
    ollama_connect_timeout: float = Field(5.0, gt=0, le=120, description="Seconds to wait for a connection to Ollama.")
    ollama_read_timeout: float = Field(
        300.0, gt=0, le=3600, description="Seconds to wait for Ollama between two reads."
    )
    ollama_retries: int = Field(
        3, ge=1, le=10, description="Connection attempts before a backend counts as unavailable."
    )
    ollama_health_interval: float = Field(
        10.0, gt=0, le=3600, description="Seconds between health checks of a reachable Ollama host."
    )
    ollama_health_max_backoff: float = Field(
        60.0, gt=0, le=3600, description="Longest wait between checks of a host that is down (doubles per failure)."
    )
    ollama_probe_timeout: float = Field(
        3.0, gt=0, le=60, description="Seconds a health check waits for a host before counting it as down."
    )
    ollama_stall_timeout: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="Seconds a reply may go without a new piece (the first one too, so loading a model counts) "
        "before it is stopped with an error.",
    )
    chroma_path: Path | None = Field(None, description="Embedded Chroma directory; empty means <data_dir>/chroma.")
    chroma_url: AnyHttpUrl | None = Field(
        None, description="Chroma server URL; when set, used instead of embedded Chroma."
    )
    redis_url: str | None = Field(None, description="Redis URL for shared state and rate limits (scale-out).")
    job_lease_s: float = Field(
        15.0,
        ge=1,
        le=600,
        description="With WORKSHOP_REDIS_URL: seconds a background job (pull, embedding) stays listed as running "
        "after the worker running it stopped answering; then it reads failed.",
    )
    workers: int = Field(
        1,
        ge=1,
        le=32,
        description="App worker processes serving UI, websocket and API;"
        " more than 1 needs WORKSHOP_REDIS_URL and WORKSHOP_CHROMA_URL.",
    )
    ollama_parallelism: int = Field(
        1,
        ge=1,
        le=256,
        description="Requests each Ollama host serves at once; match its OLLAMA_NUM_PARALLEL."
        " The built-in engine reports its own slots.",
    )
    user_concurrency: int = Field(
        1,
        ge=1,
        le=64,
        description="Model requests one user may have in flight (a comparison counts as one); more wait their turn.",
    )
    queue_lease_s: float = Field(
        15.0,
        gt=0,
        le=600,
        description="With WORKSHOP_REDIS_URL: how long a place or a slot in the shared fair queue outlives a worker"
        " that stopped renewing it (a crashed worker's slots free within this).",
    )
    rate_limit: str = Field(
        "100/minute", description="Model requests per user (per IP when signed out), e.g. 100/minute."
    )
    daily_token_quota: int = Field(
        1_000_000, ge=0, description="Tokens (prompt + reply) per user per day; 0 means no quota."
    )
    max_reply_tokens: int = Field(
        4096,
        ge=1,
        le=1_000_000,
        description="Longest reply one request may produce (Ollama's num_predict, OpenAI's max_tokens); "
        "asking for more, or for no limit, gets this.",
    )
    request_max_seconds: float = Field(
        600.0,
        gt=0,
        le=86400,
        description="Seconds one request may hold a host's slot; a reply still running then is stopped.",
    )
    secret_key: SecretStr | None = Field(
        None, description="Signing key; generated once into the data directory when unset."
    )
    session_days: int = Field(
        14, ge=1, le=365, description="Days a sign-in lasts before the person must sign in again."
    )
    secure_cookies: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Session cookie marked Secure: auto = when the browser uses HTTPS (directly or via a proxy).",
    )
    trusted_proxy_hops: int = Field(
        0,
        ge=0,
        le=10,
        description="Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed; 0: ignore them.",
    )
    bind_address: str = Field(
        "0.0.0.0",
        description="Address the server listens on: 0.0.0.0 every network (attendees' devices), 127.0.0.1 this host.",
    )
    log_level: LogLevel = Field("INFO", description="Log level.")
    upload_max_mb: int = Field(25, ge=1, le=2048, description="Largest accepted upload, in megabytes.")
    embed_batch_size: int = Field(64, ge=1, le=4096, description="Texts sent to Ollama in one /api/embed call.")
    max_image_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description="Largest image (decoded bytes) one message may carry to a vision model; larger ones are refused.",
    )
    port: int = Field(3000, ge=1, le=65535, description="Port the app is served on.")
    backup_dir: Path | None = Field(
        None, description="Where `workshop backup` writes archives; empty means <data_dir>/backups."
    )
    backup_keep: int = Field(
        7, ge=1, le=1000, description="Archives kept by `workshop backup` and scheduled backups (the newest N)."
    )
    backup_passphrase: SecretStr | None = Field(
        None, description="Passphrase for encrypted backups and restores; asked for when unset."
    )
    tool_max_steps: int = Field(
        5, ge=1, le=50, description="Rounds of tool calls one playground question may run before the loop stops."
    )
    tool_http_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts HTTP tools may call, comma-separated (api.example.com, or *.example.com for its subdomains);"
        " empty: none.",
    )
    tool_http_timeout: float = Field(10.0, gt=0, le=120, description="Seconds an HTTP tool call may take in all.")
    tool_http_max_kb: int = Field(256, ge=1, le=10_240, description="Largest HTTP tool response, in kilobytes.")
    engine_models_dir: Path | None = Field(
        None, description="Where the built-in engine keeps installed models; empty means <data_dir>/engine/models."
    )
    engine_cache_dir: Path | None = Field(
        None,
        description="Models setup produced from the package registry (what the engine can pull);"
        " empty means .tools/models in the project.",
    )
    engine_gguf_dir: Path | None = Field(
        None, description="A directory of your own GGUF files; each one appears as a model of the built-in engine."
    )
    engine_slots: int = Field(
        4, ge=1, le=64, description="Sequences the built-in engine generates at once per chat model (parallel slots)."
    )
    engine_context: int = Field(
        4096,
        ge=256,
        le=131_072,
        description="Context per sequence, in tokens, when a request sets no num_ctx (built-in engine).",
    )
    engine_threads: int = Field(
        0, ge=0, le=256, description="CPU threads the built-in engine computes with; 0 means every core."
    )
    engine_keep_alive: float = Field(
        300.0,
        ge=-1,
        le=86_400,
        description="Seconds a model stays loaded in the built-in engine after its last request; -1 keeps it.",
    )

    @field_validator("ollama_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not parts:
                raise ValueError("at least one Ollama URL is required")
            for part in parts:
                if not part.startswith(("http://", "https://")):
                    raise ValueError(f"{part!r} is not an http(s) URL (example: http://localhost:11434)")
            return parts
        return value

    @field_validator("ollama_urls")
    @classmethod
    def _unique_urls(cls, value: list[AnyHttpUrl]) -> list[AnyHttpUrl]:
        if len({str(url) for url in value}) != len(value):
            raise ValueError("the same Ollama URL is listed twice")
        return value

    @field_validator("bind_address")
    @classmethod
    def _ip_address(cls, value: str) -> str:
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every network)") from None

    @field_validator("tool_http_allowlist", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("tool_http_allowlist")
    @classmethod
    def _host_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not re.fullmatch(r"(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?", pattern) or ".." in pattern:
                raise ValueError(f"{pattern!r} is not a host name (example: api.example.com or *.example.com)")
        return value

    @field_validator("engine", mode="before")
    @classmethod
    def _lower_mode(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "chroma_path",
        "chroma_url",
        "redis_url",
        "secret_key",
        "backup_dir",
        "backup_passphrase",
        "engine_models_dir",
        "engine_cache_dir",
        "engine_gguf_dir",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("workers")
    @classmethod
    def _workers_share_state(cls, value: int, info: ValidationInfo) -> int:
        """Several processes must share UI state (Redis) and one vector index (a Chroma server)."""
        if value > 1:
            missing = [name for name in ("redis_url", "chroma_url") if info.data.get(name) is None]
            if missing:
                needed = " and ".join(f"{ENV_PREFIX}{name.upper()}" for name in missing)
                raise ValueError(f"more than one worker needs {needed} (state and vectors shared by every worker)")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_syntax(cls, value: str) -> str:
        try:
            limits.parse(value)
        except ValueError:
            raise ValueError("must look like 100/minute (a number, then second, minute, hour or day)") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        if not value:
            return value
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'workshop.db'}"
        if self.chroma_path is None:
            self.chroma_path = self.data_dir / "chroma"
        self.backup_dir = (self.backup_dir or self.data_dir / "backups").expanduser().resolve()
        self.engine_models_dir = (self.engine_models_dir or self.data_dir / "engine" / "models").expanduser().resolve()
        self.engine_cache_dir = (self.engine_cache_dir or PROJECT_DIR / ".tools" / "models").expanduser().resolve()
        if self.engine_gguf_dir is not None:
            self.engine_gguf_dir = self.engine_gguf_dir.expanduser().resolve()
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def ollama_base_urls(self) -> list[str]:
        """Base URLs without the trailing slash pydantic adds, as users wrote them."""
        return [str(url).rstrip("/") for url in self.ollama_urls]

    @property
    def uploads_dir(self) -> Path:
        """Uploaded files; backups include this directory."""
        return self.data_dir / "uploads"

    @property
    def upload_max_bytes(self) -> int:
        return self.upload_max_mb * 1024 * 1024

    @property
    def tool_http_max_bytes(self) -> int:
        return self.tool_http_max_kb * 1024

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def secret(self) -> str:
        """The signing key: configured, or generated once and kept in the data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        key_file = self.ensure_data_dir() / SECRET_KEY_FILE
        if not key_file.exists():
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(48))
        return key_file.read_text().strip()


@dataclass(frozen=True)
class Problem:
    """One invalid variable, phrased for the person who set it."""

    variable: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.variable}={self.value!r}: {self.reason}"


def _problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "settings"
        value = "***" if field in ("secret_key", "backup_passphrase") else _shown(item.get("input"))
        reason = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(f"{ENV_PREFIX}{field.upper()}", value, reason))
    return problems


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(part) for part in value)
    return "" if value is None else str(value)


def load_settings(**overrides: Any) -> tuple[Settings | None, list[Problem]]:
    """Settings plus the list of problems; exactly one of them is meaningful."""
    try:
        return Settings(**overrides), []
    except ValidationError as error:
        return None, _problems(error)


class InvalidSettings(RuntimeError):
    """Raised when the app is asked to start with an invalid configuration."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("Invalid configuration:\n" + "\n".join(str(p) for p in problems))


def elsewhere_environment(settings: Settings) -> dict[str, str]:
    """Variables that give a child process started in another folder these same settings: the values this
    folder's .env file sets, and every path setting resolved (a relative one named a place in this folder)."""
    values = {
        name: value
        for name, value in dotenv_values(".env").items()
        if name.startswith(ENV_PREFIX) and value is not None and name not in os.environ  # the environment wins
    }
    paths = {"data_dir": settings.data_dir, "backup_dir": settings.backup_dir, "chroma_path": settings.chroma_path}
    paths |= {"engine_models_dir": settings.engine_models_dir, "engine_cache_dir": settings.engine_cache_dir}
    paths["engine_gguf_dir"] = settings.engine_gguf_dir
    values |= {f"{ENV_PREFIX}{name.upper()}": str(path) for name, path in paths.items() if path is not None}
    return values


@ProcessWide
def get_settings() -> Settings:
    """The process-wide settings, validated once."""
    settings, problems = load_settings()
    if settings is None:
        raise InvalidSettings(problems)
    return settings
