"""The `workshop` command: check the configuration, migrate, and run the app."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from workshop_app import app_files, engine_launch, serving
from workshop_app.config_reference import DOC_PATH as CONFIG_DOC_PATH
from workshop_app.config_reference import render as render_config_reference
from workshop_app.config_reference import write as write_config_reference
from workshop_app.db.migrations import PROJECT_ROOT, upgrade_database
from workshop_app.file_modes import keep_new_files_private, make_private
from workshop_app.launcher import launch as launch_app
from workshop_app.launcher import write_shortcut
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.accounts.auth import create_admin
from workshop_app.services.accounts.users import actor_for_username
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.operations.backup import BackupSchedule, create_backup, parse_duration, restore_backup
from workshop_app.services.operations.backup_crypto import is_encrypted
from workshop_app.services.operations.logs import configure_logging
from workshop_app.services.operations.smoke import run_smoke
from workshop_app.services.workshops.bundles import embed_imported, export_bundle, import_bundle, recreate_imported
from workshop_app.services.workshops.join_addresses import lan_addresses
from workshop_app.services.workshops.moderation import DELETERS as MODERATED_KINDS
from workshop_app.services.workshops.moderation import delete_for_moderation
from workshop_app.settings import Problem, Settings, elsewhere_environment, load_settings

BUILD_LOG_TAIL = 40
"""Lines of a failed build's output shown in the terminal (the rest is in the log file)."""
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


def reflex_environment(settings: Settings) -> dict[str, str]:
    """The child's environment: these settings (it runs in the build's work folder), Reflex kept
    offline-friendly, bun from REFLEX_BUN_PATH or the source checkout's tools."""
    env = dict(os.environ) | elsewhere_environment(settings)
    # Reflex finds the app module by walking the folders on sys.path, not through import hooks, so an
    # editable install (found only through its hook) must put the folder holding the package on the path.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(app_files.PACKAGE_DIR.parent), env.get("PYTHONPATH")]))
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    env.setdefault("REFLEX_CHECK_LATEST_VERSION", "0")
    if BUN_IN_REPO.exists():
        env.setdefault("REFLEX_BUN_PATH", str(BUN_IN_REPO))
    return env


def worker_environment(settings: Settings) -> dict[str, str]:
    """Reflex's production server (Granian) forks WORKSHOP_WORKERS backend processes.

    Without this Reflex picks 1 worker, or 2 x CPUs + 1 as soon as Redis is configured.
    """
    return {"REFLEX_USE_GRANIAN": "true", "GRANIAN_WORKERS": str(settings.workers)}


@click.group()
def main() -> None:
    """Ollama Workshop Platform."""
    keep_new_files_private()  # database, uploads, backups, Chroma: readable by this account only
    configure_logging("WARNING")  # commands print their own results; the log only carries problems


@main.command()
def check() -> None:
    """Validate the configuration; print one line per invalid variable and exit 1."""
    settings = _settings_or_exit()
    click.echo("Configuration OK")
    click.echo(f"  database: {settings.database_url.split('@')[-1]}")
    click.echo(f"  data dir: {settings.data_dir}")
    click.echo(f"  ollama:   {', '.join(settings.ollama_base_urls)}")
    click.echo(f"  engine:   {settings.engine} (built-in model engine; see docs/engine.md)")


@main.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    upgrade_database(_settings_or_exit())
    click.echo("Database is up to date.")


def _duration(_context: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    try:
        return None if value is None else parse_duration(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@click.option("--dev", is_flag=True, help="Hot reload (frontend on the port, backend on port+1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to serve on (default WORKSHOP_PORT, 3000).")
@click.option(
    "--backup-every",
    callback=_duration,
    metavar="DURATION",
    help="Also write a backup this often (30m, 24h, ...); encrypted when WORKSHOP_BACKUP_PASSPHRASE is set.",
)
def run(dev: bool, port: int | None, backup_every: float | None) -> None:
    """Check the configuration, migrate the database, build the frontend if its sources changed, then serve the app.

    Without --backup-every this process becomes the server (exec), so nothing of the
    command stays resident; with it, this process stays as the backup scheduler.
    WORKSHOP_ENGINE decides whether the built-in model engine starts first (it ends with the server).
    """
    if dev and app_files.ROOT == app_files.BUNDLED:
        raise click.UsageError("--dev (hot reload) works in a source checkout, not in an installed app.")
    settings = _settings_or_exit()
    make_private([settings.data_dir, settings.backup_dir])
    upgrade_database(settings)
    port = port or settings.port
    env = reflex_environment(settings)
    env["WORKSHOP_PORT"] = str(port)
    try:
        engine = engine_launch.start_for_run(settings, env, click.echo)
    except engine_launch.EngineFailed as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    if dev:
        command, work_dir = _dev_command(port), PROJECT_ROOT
    else:
        env.update(worker_environment(settings))
        build = prepare_frontend(settings, port, env)
        if build is None:
            if engine is not None:
                engine.stop()
            sys.exit(1)
        command, work_dir = serving.serve_command(port, build), build.work_dir
    for line in address_lines(port):
        click.echo(line)
    if backup_every is None:
        sys.stdout.flush()
        os.chdir(work_dir)
        engine_launch.become(command, env)
    schedule = BackupSchedule(settings, backup_every, click.echo).start()
    try:
        completed = subprocess.run(command, cwd=work_dir, env=env, check=False)
    finally:
        schedule.stop()
    sys.exit(completed.returncode)


def _dev_command(port: int) -> list[str]:
    """Reflex's hot-reloading server, run in the source checkout (frontend on `port`, backend on port+1)."""
    ports = ["--frontend-port", str(port), "--backend-port", str(port + 1)]
    return [sys.executable, "-m", "reflex", "run", "--env", "dev", *ports]


def prepare_frontend(settings: Settings, port: int, env: dict[str, str]) -> serving.FrontendBuild | None:
    """The build to serve, made when its sources changed (saying only that); a failed build shows its log's end."""
    build = serving.frontend_build(settings, port, env)  # configured settings: the engine's port changes nothing
    if not build.is_current():
        click.echo("Building the web interface (the first start takes a minute or two)...")
        started = time.monotonic()
        if not serving.build_frontend(build, env):
            tail = build.log.read_text(errors="replace").splitlines()[-BUILD_LOG_TAIL:] if build.log.exists() else []
            for line in tail:
                click.echo(line, err=True)
            click.echo(f"Error: the web interface could not be built (full output: {build.log}).", err=True)
            return None
        click.echo(f"Built in {time.monotonic() - started:.0f} s.")
    serving.prune_builds(build)
    return build


def address_lines(port: int) -> list[str]:
    """Where to open the app: this machine, and the addresses attendees' devices use."""
    lines = [
        "Starting the server; open the workshop in a browser:",
        f"  on this machine:       http://localhost:{port}",
    ]
    addresses = lan_addresses()
    lines += [f"  attendees' devices:    http://{address}:{port}" for address in addresses]
    if not addresses:
        lines.append(
            "  (this machine has no network address: only this machine can open it; connect to the room's network)"
        )
    lines.append("Stop with Ctrl+C.")
    return lines


@main.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=11434,
    show_default=True,
    help="Port to listen on (Ollama's, so the app's default WORKSHOP_OLLAMA_URLS finds it).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
def engine(port: int, host: str) -> None:
    """Run the built-in model engine alone (Ollama's API over small CPU models), e.g. for several app servers."""
    _settings_or_exit()
    command = engine_launch.engine_command(port, host)
    sys.stdout.flush()
    os.execv(command[0], command)


T = TypeVar("T")


def _or_exit(action: Callable[[], T]) -> T:
    """Run an operation; a refusal is one line on stderr and exit status 1."""
    try:
        return action()
    except WorkshopError as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)


def _passphrase(settings: Settings, *, confirm: bool) -> str:
    if settings.backup_passphrase is not None:
        return settings.backup_passphrase.get_secret_value()
    return click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm)


@main.command()
@click.option("--encrypt", is_flag=True, help="Encrypt with a passphrase (WORKSHOP_BACKUP_PASSPHRASE, or asked for).")
@click.option("--keep", type=click.IntRange(1), help="Keep the newest N archives (default WORKSHOP_BACKUP_KEEP, 7).")
def backup(encrypt: bool, keep: int | None) -> None:
    """Write one archive of the database, Chroma data, uploads and secret key; safe while the app runs."""
    settings = _settings_or_exit()
    passphrase = _passphrase(settings, confirm=True) if encrypt else None
    result = _or_exit(lambda: create_backup(settings, passphrase=passphrase, keep=keep))
    click.echo(f"Backup written: {result.path}")
    for path in result.removed:
        click.echo(f"Removed old backup: {path.name}")


@main.command()
@click.argument("archive", type=click.Path(path_type=Path, dir_okay=False))
def restore(archive: Path) -> None:
    """Restore ARCHIVE into an empty data directory (and empty database), after checking every checksum."""
    settings = _settings_or_exit()
    passphrase = _passphrase(settings, confirm=False) if archive.is_file() and is_encrypted(archive) else None
    manifest = _or_exit(lambda: restore_backup(settings, archive, passphrase=passphrase))
    click.echo(
        f"Restored {archive.name} (taken {manifest['created_at']}, schema {manifest['alembic_revision']})"
        f" into {settings.data_dir}"
    )
    click.echo("Start the app with `workshop run`; it applies any newer migrations first.")


@main.command()
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port for a server this launch starts (default WORKSHOP_PORT)."
)
@click.option("--shortcut", is_flag=True, help="Add the app to the desktop's menu (a .desktop entry) and exit.")
def launch(port: int | None, shortcut: bool) -> None:
    """Open the app in its own window, starting the server if it is not running; closing the window stops it."""
    if shortcut:
        click.echo(f"Desktop entry written: {write_shortcut()} (the app is now in your desktop's menu).")
        return
    settings = _settings_or_exit()
    port = port or settings.port
    server = [sys.executable, "-m", "workshop_app.cli", "run", "--port", str(port)]
    try:
        launch_app(settings.data_dir, port, server, click.echo)
    except RuntimeError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)


@main.command()
@click.option("--url", required=True, help="Base URL of the deployment, e.g. https://workshop.example.org")
@click.option("--api-key", help="API key for the /api/v1 routes (create one on the profile page).")
@click.option("--model", help="Model for the chat check (default: the smallest chat model listed).")
def smoke(url: str, api_key: str | None, model: str | None) -> None:
    """Check a running deployment end to end: health, metrics, models, a short chat. Exit 1 on any failure."""
    results = run_smoke(url, api_key, model)
    for result in results:
        click.echo(result.line())
    sys.exit(0 if all(result.ok for result in results) else 1)


@main.command("export-workshop")
@click.argument("workshop_id", type=int)
@click.option("--user", "username", required=True, help="Act as this account: the workshop's instructor or an admin.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Bundle file to write (default: named after the workshop).",
)
def export_workshop(workshop_id: int, username: str, output: Path | None) -> None:
    """Write one bundle file with a workshop's settings, prompts, tools, documents, collections and RAG systems."""
    _settings_or_exit()
    bundle = _or_exit(lambda: export_bundle(actor_for_username(username), workshop_id))
    target = output or Path(bundle.filename)
    target.write_bytes(bundle.data)
    click.echo(f"Bundle written: {target} ({_counted(bundle.counts)})")


@main.command("import-workshop")
@click.argument("bundle", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--user", "username", required=True, help="The instructor or admin who will own the new workshop.")
@click.option(
    "--embed/--no-embed",
    default=True,
    help="Embed the collections' documents now (default), or later from the Collections page.",
)
def import_workshop(bundle: Path, username: str, embed: bool) -> None:
    """Create a new workshop (with a new join code) from a bundle; nothing is imported unless all of it can be."""
    upgrade_database(_settings_or_exit())
    actor = _or_exit(lambda: actor_for_username(username))
    imported = _or_exit(lambda: import_bundle(actor, bundle))
    click.echo(
        f"Imported “{imported.title}” as workshop {imported.workshop_id},"
        f" join code {imported.join_code} ({_counted(imported.counts)})"
    )
    for old, new in imported.renamed_tools.items():
        click.echo(f"Tool {old} saved as {new}: you already had a tool with that name.")
    for name, outcome in asyncio.run(recreate_imported(actor, imported)).items():
        click.echo(f"Model {name}: {outcome}")
    if embed:
        for job in asyncio.run(embed_imported(actor, imported, wait=True)):
            click.echo(
                f"Collection {job.subject}: embedding {job.status},"
                f" {job.done}/{job.total} {job.unit} {job.error}".rstrip()
            )


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{number} {name.replace('_', ' ')}" for name, number in counts.items())


@main.command("config-docs")
@click.option("--check", is_flag=True, help="Only compare: exit 1 when the file differs from the settings.")
def config_docs(check: bool) -> None:
    """Write docs/configuration.md from the settings' definitions (the reference is generated, never edited)."""
    if not check:
        write_config_reference()
        click.echo(f"Wrote {CONFIG_DOC_PATH}")
    elif not CONFIG_DOC_PATH.exists() or CONFIG_DOC_PATH.read_text() != render_config_reference():
        click.echo(f"{CONFIG_DOC_PATH} is stale; run `workshop config-docs`", err=True)
        sys.exit(1)


@main.command("create-admin")
@click.option("--username", prompt=True, help="Sign-in name (3-32 characters: letters, digits, . _ -).")
@click.option("--display-name", help="Name shown to others (default: the username).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input (for scripts)."
)
def create_admin_command(username: str, display_name: str | None, password_stdin: bool) -> None:
    """Create an admin account, e.g. to set up a server or regain access; asks for the password."""
    settings = _settings_or_exit()
    upgrade_database(settings)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _or_exit(lambda: create_admin(username, display_name or username, password))
    click.echo(f"Admin account {user.username!r} created. Sign in at /login.")


@main.command("api-key")
@click.option("--user", "username", required=True, help="The account the key acts as (its username).")
@click.option(
    "--name", "key_name", default="scripted setup", show_default=True, help="Label on the profile page (to revoke it)."
)
def api_key_command(username: str, key_name: str) -> None:
    """Issue an API key for an account and print it once (for scripted setups; the REST API needs a key)."""
    upgrade_database(_settings_or_exit())
    _, secret = _or_exit(lambda: create_api_key(actor_for_username(username), key_name))
    click.echo(f"API key {key_name!r} for {username}, shown only now (revoke it on their profile page):", err=True)
    click.echo(secret)


@main.command("moderate-delete")
@click.argument("kind", type=click.Choice(sorted(MODERATED_KINDS)))
@click.argument("item_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--admin", "admin_name", required=True, help="The admin account acting (its username).")
@click.option("--reason", required=True, help="Why: kept in the audit log with the admin's name.")
def moderate_delete_command(kind: str, item_id: int, admin_name: str, reason: str) -> None:
    """Delete someone's item, private ones too, as an admin, with a reason in the audit log."""
    upgrade_database(_settings_or_exit())
    _or_exit(lambda: delete_for_moderation(actor_for_username(admin_name), kind, item_id, reason))
    click.echo(f"Deleted {kind} {item_id}; the reason is in the audit log.")


if __name__ == "__main__":
    main()
