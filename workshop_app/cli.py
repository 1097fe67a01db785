"""The `workshop` command: check the configuration, migrate, and run the app."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from workshop_app.db.migrations import PROJECT_ROOT, upgrade_database
from workshop_app.settings import Problem, Settings, load_settings

BUN_IN_REPO = PROJECT_ROOT / ".tools" / "bun" / "node_modules" / "@oven" / "bun-linux-x64" / "bin" / "bun"


def _settings_or_exit() -> Settings:
    settings, problems = load_settings()
    if settings is None:
        _report(problems)
        sys.exit(1)
    return settings


def _report(problems: list[Problem]) -> None:
    click.echo(click.style("Invalid configuration:", fg="red", bold=True), err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)


def reflex_environment() -> dict[str, str]:
    """The child's environment: Reflex kept offline-friendly, bun from the repo's tools."""
    env = dict(os.environ)
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    env.setdefault("REFLEX_CHECK_LATEST_VERSION", "0")
    if BUN_IN_REPO.exists():
        env.setdefault("REFLEX_BUN_PATH", str(BUN_IN_REPO))
    return env


@click.group()
def main() -> None:
    """Ollama Workshop Platform."""


@main.command()
def check() -> None:
    """Validate the configuration; print one line per invalid variable and exit 1."""
    settings = _settings_or_exit()
    click.echo("Configuration OK")
    click.echo(f"  database: {settings.database_url.split('@')[-1]}")
    click.echo(f"  data dir: {settings.data_dir}")
    click.echo(f"  ollama:   {', '.join(settings.ollama_base_urls)}")


@main.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    upgrade_database(_settings_or_exit())
    click.echo("Database is up to date.")


@main.command()
@click.option("--dev", is_flag=True, help="Hot reload (frontend on the port, backend on port+1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to serve on (default WORKSHOP_PORT, 3000).")
def run(dev: bool, port: int | None) -> None:
    """Check the configuration, migrate the database, then serve the app."""
    settings = _settings_or_exit()
    upgrade_database(settings)
    port = port or settings.port
    env = reflex_environment()
    env["WORKSHOP_PORT"] = str(port)
    if dev:
        command = ["--env", "dev", "--frontend-port", str(port), "--backend-port", str(port + 1)]
    else:
        command = ["--env", "prod", "--single-port", "--frontend-port", str(port)]
    click.echo(f"Serving on http://localhost:{port}")
    completed = subprocess.run([sys.executable, "-m", "reflex", "run", *command], cwd=PROJECT_ROOT, env=env, check=False)
    sys.exit(completed.returncode)


if __name__ == "__main__":
    main()
