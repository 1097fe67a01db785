"""Configuration is validated up front and explained one variable per line."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from workshop_app import settings as settings_module
from workshop_app.cli import main
from workshop_app.settings import Problem, Settings, get_settings, load_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path))
    for name in ("OLLAMA_URLS", "DB_POOL_SIZE", "LOG_LEVEL", "REDIS_URL", "CHROMA_URL", "SECRET_KEY", "PORT"):
        monkeypatch.delenv(f"WORKSHOP_{name}", raising=False)
    return tmp_path


def test_defaults_put_everything_in_the_data_dir(clean_env: Path) -> None:
    settings = Settings()
    assert settings.database_url == f"sqlite:///{clean_env / 'workshop.db'}"
    assert settings.chroma_path == clean_env / "chroma"
    assert settings.ollama_base_urls == ["http://localhost:11434"]
    assert (settings.db_pool_size, settings.db_max_overflow, settings.db_pool_recycle) == (20, 10, 300)
    assert settings.db_pool_pre_ping is True


def test_the_bind_address_is_every_network_unless_set(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().bind_address == "0.0.0.0"
    monkeypatch.setenv("WORKSHOP_BIND_ADDRESS", " 127.0.0.1 ")
    assert Settings().bind_address == "127.0.0.1"


def test_several_ollama_urls_are_read_from_a_comma_list(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_OLLAMA_URLS", "http://gpu-1:11434, http://gpu-2:11434/")
    assert Settings().ollama_base_urls == ["http://gpu-1:11434", "http://gpu-2:11434"]


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("WORKSHOP_OLLAMA_URLS", "not-a-url", "not an http(s) URL"),
        ("WORKSHOP_OLLAMA_URLS", "http://a:1,http://a:1", "listed twice"),
        ("WORKSHOP_DB_POOL_SIZE", "0", "greater than or equal to 1"),
        ("WORKSHOP_OLLAMA_READ_TIMEOUT", "-5", "greater than 0"),
        ("WORKSHOP_LOG_LEVEL", "loud", "'DEBUG', 'INFO'"),
        ("WORKSHOP_REDIS_URL", "http://redis:6379", "redis://"),
        ("WORKSHOP_DATABASE_URL", "mysql://x@y/z", "sqlite:/// or postgresql://"),
        ("WORKSHOP_CHROMA_URL", "chroma:8000", "URL"),
        ("WORKSHOP_PORT", "70000", "less than or equal to 65535"),
        ("WORKSHOP_BIND_ADDRESS", "every-network", "not an IP address"),
        ("WORKSHOP_SECURE_COOKIES", "sometimes", "'auto', 'always' or 'never'"),
        ("WORKSHOP_TRUSTED_PROXY_HOPS", "-1", "greater than or equal to 0"),
    ],
)
def test_invalid_values_name_the_variable_and_why(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(variable, value)
    settings, problems = load_settings()
    assert settings is None
    assert [p.variable for p in problems] == [variable]
    assert reason in problems[0].reason


def test_postgres_urls_use_the_installed_driver(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", "postgresql://u:p@db:5432/workshop")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/workshop"
    assert not settings.is_sqlite


def test_secret_key_is_generated_once_and_kept_private(clean_env: Path) -> None:
    first = Settings().secret()
    again = Settings().secret()
    assert first == again and len(first) >= 32
    mode = stat.S_IMODE((clean_env / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_a_configured_secret_is_never_echoed_in_problems(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", "hunter2-very-secret")
    monkeypatch.setenv("WORKSHOP_PORT", "0")
    _, problems = load_settings()
    assert "hunter2" not in " ".join(str(p) for p in problems)


def test_check_command_exits_1_and_names_the_variable(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_OLLAMA_URLS", "not-a-url")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "WORKSHOP_OLLAMA_URLS='not-a-url'" in result.output


def test_check_command_passes_on_valid_config(clean_env: Path) -> None:
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0
    assert "Configuration OK" in result.output


def test_run_refuses_to_start_on_invalid_config(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSHOP_DB_POOL_SIZE", "-1")
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert "WORKSHOP_DB_POOL_SIZE='-1'" in result.output
    assert not (clean_env / "workshop.db").exists()


def test_settings_read_before_a_reload_do_not_outlive_it(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread still reading the old configuration when the settings are reloaded (a request of the
    previous test's server, say) must not leave that configuration behind for everyone after the reload."""
    read, finish = threading.Event(), threading.Event()
    original = settings_module.load_settings

    def slow_first_read() -> tuple[Settings | None, list[Problem]]:
        loaded = original()
        if not read.is_set():
            read.set()
            finish.wait(5)
        return loaded

    monkeypatch.setattr(settings_module, "load_settings", slow_first_read)
    monkeypatch.setenv("WORKSHOP_OLLAMA_URLS", "http://before:11434")
    get_settings.cache_clear()
    late: list[Settings] = []
    reader = threading.Thread(target=lambda: late.append(get_settings()))
    reader.start()
    assert read.wait(5)
    monkeypatch.setenv("WORKSHOP_OLLAMA_URLS", "http://after:11434")
    get_settings.cache_clear()
    finish.set()
    reader.join(5)
    assert late[0].ollama_base_urls == ["http://before:11434"]  # its caller asked before the reload
    assert get_settings().ollama_base_urls == ["http://after:11434"]
    get_settings.cache_clear()
