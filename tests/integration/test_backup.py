"""Backup while the app writes, restore into a fresh directory, and every refusal a restore owes us."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import reset_settings_caches
from tests.support.accounts import actor_of, make_user
from workshop_app.cli import main
from workshop_app.db.chats import ChatMessage
from workshop_app.db.engine import get_engine, session_scope
from workshop_app.db.migrations import upgrade_database
from workshop_app.db.model_requests import ModelRequest, Outcome
from workshop_app.db.users import Role
from workshop_app.services.arena import rounds
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.exercises import authoring, submissions
from workshop_app.services.exercises.authoring import ExerciseDraft
from workshop_app.services.operations.backup import BackupSchedule, create_backup, list_backups
from workshop_app.services.operations.backup_archive import MANIFEST, sha256_of
from workshop_app.services.operations.metrics import record_request
from workshop_app.services.rag.chroma_lock import chroma_writes
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop
from workshop_app.settings import Settings, get_settings


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A running installation's data directory: migrated SQLite, uploads, embedded Chroma."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", "")
    monkeypatch.delenv("WORKSHOP_BACKUP_PASSPHRASE", raising=False)
    reset_settings_caches()
    settings = get_settings()
    upgrade_database(settings)
    settings.secret()  # the generated signing key, as a first start leaves it
    settings.uploads_dir.mkdir(parents=True)
    (settings.uploads_dir / "handout.pdf").write_bytes(os.urandom(200_000))
    assert settings.chroma_path is not None
    settings.chroma_path.mkdir(parents=True)
    (settings.chroma_path / "chroma.sqlite3").write_bytes(os.urandom(50_000))
    yield settings
    get_engine().dispose()
    reset_settings_caches()


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "WORKSHOP_DATA_DIR": str(data_dir), "WORKSHOP_DATABASE_URL": "", **extra}


def workshop(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workshop_app.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


class Writer(threading.Thread):
    """The app at work: model_request rows, uploaded files and Chroma writes, non-stop."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.settings = settings
        self.stop = threading.Event()
        self.rows = 0

    def run(self) -> None:
        chroma = self.settings.chroma_path
        assert chroma is not None
        while not self.stop.is_set():
            n = self.rows
            record_request(
                ModelRequest(
                    backend_url="http://gpu:11434",
                    model=f"m{n % 7}",
                    kind="chat",
                    outcome=Outcome.SUCCESS,
                    completion_tokens=n,
                )
            )
            partial = self.settings.uploads_dir / f".upload-{n}.tmp"
            partial.write_bytes(os.urandom(4096))
            partial.rename(self.settings.uploads_dir / f"file-{n}.bin")  # uploads land whole, by rename
            with chroma_writes(self.settings.data_dir):  # a Chroma write touches two files together
                payload = os.urandom(8192)
                (chroma / "segment.bin").write_bytes(payload)
                (chroma / "segment.idx").write_bytes(payload[:64])
            self.rows += 1


def rows(database: Path) -> dict[int, tuple]:
    with sqlite3.connect(database) as connection:
        return {row[0]: row for row in connection.execute("SELECT * FROM model_request ORDER BY id")}


def test_backup_while_writing_restores_everything_committed_before_it(source: Settings, tmp_path: Path) -> None:
    writer = Writer(source)
    writer.start()
    while writer.rows < 50:
        time.sleep(0.01)
    database = source.data_dir / "workshop.db"
    committed_before = set(rows(database))
    files_before = {path.name: sha256_of(path) for path in source.uploads_dir.glob("file-*")}
    rows_at_start = writer.rows

    backed_up = workshop("backup", env=env_for(source.data_dir))

    rows_during = writer.rows - rows_at_start
    writer.stop.set()
    writer.join()
    assert backed_up.returncode == 0, backed_up.stderr
    assert rows_during > 0  # the backup really ran while the app was writing
    archive = Path(backed_up.stdout.split("Backup written: ")[1].strip())

    restored_dir = tmp_path / "restored"
    restored = workshop("restore", str(archive), env=env_for(restored_dir))
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout

    source_rows, restored_rows = rows(database), rows(restored_dir / "workshop.db")
    assert committed_before <= set(restored_rows)
    assert sorted(restored_rows) == list(range(1, max(restored_rows) + 1))  # one consistent snapshot: no holes
    assert all(restored_rows[i] == source_rows[i] for i in restored_rows)  # and no torn or altered rows
    with sqlite3.connect(restored_dir / "workshop.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    restored_uploads = {path.name: sha256_of(path) for path in (restored_dir / "uploads").glob("file-*")}
    assert files_before.items() <= restored_uploads.items()
    assert all(sha256_of(source.uploads_dir / name) == digest for name, digest in restored_uploads.items())
    assert sha256_of(restored_dir / "uploads" / "handout.pdf") == sha256_of(source.uploads_dir / "handout.pdf")
    segment = (restored_dir / "chroma" / "segment.bin").read_bytes()
    assert (restored_dir / "chroma" / "segment.idx").read_bytes() == segment[:64]  # never half a Chroma write
    assert (restored_dir / "secret_key").read_text() == (source.data_dir / "secret_key").read_text()


def test_the_manifest_records_versions_counts_and_checksums(source: Settings) -> None:
    record_request(ModelRequest(backend_url="http://gpu:11434", model="m", kind="chat", outcome=Outcome.SUCCESS))
    manifest = create_backup(source).manifest
    assert manifest["alembic_revision"]
    assert manifest["app_version"]
    assert manifest["database"]["tables"]["model_request"] == 1
    assert manifest["chroma"] == "embedded"
    assert set(manifest["files"]) >= {"database/workshop.db", "uploads/handout.pdf", "chroma/chroma.sqlite3"}
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())


def test_an_upload_still_being_written_or_deleted_meanwhile_is_left_out(
    source: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (source.uploads_dir / ".notes.pdf.partial").write_bytes(b"half a fi")
    (source.uploads_dir / "deleted-meanwhile.pdf").write_bytes(b"gone soon")
    copy = shutil.copy2

    def delete_first(
        origin: str | Path, target: str | Path
    ) -> object:  # the document is removed just as the backup reaches it
        if Path(origin).name == "deleted-meanwhile.pdf":
            Path(origin).unlink()
        return copy(origin, target)

    monkeypatch.setattr(shutil, "copy2", delete_first)
    files = create_backup(source).manifest["files"]

    assert "uploads/handout.pdf" in files
    assert not any("partial" in name or "deleted-meanwhile" in name for name in files)


def test_encrypted_round_trip(source: Settings, tmp_path: Path) -> None:
    env = env_for(source.data_dir, WORKSHOP_BACKUP_PASSPHRASE="correct horse battery")
    result = CliRunner().invoke(main, ["backup", "--encrypt"], env=env)
    assert result.exit_code == 0, result.output
    archive = list_backups(source.backup_dir)[-1]
    assert archive.name.endswith(".tar.gz.enc")
    assert b"handout.pdf" not in archive.read_bytes()  # the file list is not readable without the key

    restored = CliRunner().invoke(
        main, ["restore", str(archive)], env=env_for(tmp_path / "fresh"), input="correct horse battery\n"
    )
    assert restored.exit_code == 0, restored.output
    assert sha256_of(tmp_path / "fresh" / "uploads" / "handout.pdf") == sha256_of(source.uploads_dir / "handout.pdf")


def refused(archive: Path, target: Path, passphrase: str | None = None) -> str:
    extra = {"WORKSHOP_BACKUP_PASSPHRASE": passphrase} if passphrase else {}
    result = CliRunner().invoke(main, ["restore", str(archive)], env=env_for(target, **extra))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines() if result.stderr_bytes else result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert not target.exists() or not any(target.iterdir())  # nothing half-restored is left behind
    return lines[0]


def flip_byte(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0xFF
    path.write_bytes(bytes(data))


def test_wrong_passphrase_is_refused(source: Settings, tmp_path: Path) -> None:
    archive = create_backup(source, passphrase="the right one").path
    assert refused(archive, tmp_path / "fresh", passphrase="a wrong one") == "Error: wrong passphrase for this archive"


def test_damaged_archives_are_refused(source: Settings, tmp_path: Path) -> None:
    plain = create_backup(source).path
    flip_byte(plain)
    assert "is damaged" in refused(plain, tmp_path / "a")

    truncated = create_backup(source).path
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    assert "is damaged" in refused(truncated, tmp_path / "b")

    encrypted = create_backup(source, passphrase="pw").path
    flip_byte(encrypted, at=0.6)
    assert "damaged" in refused(encrypted, tmp_path / "c", passphrase="pw")


def test_a_file_that_does_not_match_its_checksum_is_refused(source: Settings, tmp_path: Path) -> None:
    """A well-formed archive whose content was altered: only the manifest's checksums can tell."""
    original = create_backup(source).path
    tampered = tmp_path / "workshop-backup-tampered.tar.gz"
    with tarfile.open(original, "r:gz") as reader, tarfile.open(tampered, "w:gz") as writer:
        for member in reader.getmembers():
            data = reader.extractfile(member).read() if member.isfile() else None
            if member.name == "uploads/handout.pdf":
                data = b"X" + data[1:]
            writer.addfile(member, io.BytesIO(data) if data is not None else None)
    assert (
        refused(tampered, tmp_path / "fresh")
        == f"Error: {tampered.name} is damaged: checksum mismatch for uploads/handout.pdf"
    )
    with tarfile.open(tampered) as archive:
        assert archive.getnames()[0] == MANIFEST


def test_restore_refuses_a_data_directory_in_use(source: Settings) -> None:
    archive = create_backup(source).path
    result = CliRunner().invoke(main, ["restore", str(archive)], env=env_for(source.data_dir))
    assert result.exit_code == 1
    assert "is not empty" in result.output
    assert (source.data_dir / "workshop.db").exists()


def test_retention_keeps_the_newest(source: Settings) -> None:
    runner = CliRunner()
    written = []
    for _ in range(4):
        result = runner.invoke(main, ["backup", "--keep", "2"], env=env_for(source.data_dir))
        assert result.exit_code == 0, result.output
        written.append(Path(result.output.split("Backup written: ")[1].splitlines()[0]))
    assert list_backups(source.backup_dir) == written[-2:]
    assert "Removed old backup" in result.output


def test_scheduled_backups_run_until_stopped(source: Settings) -> None:
    messages: list[str] = []
    schedule = BackupSchedule(source, 0.2, messages.append).start()
    deadline = time.monotonic() + 30
    while len(messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    schedule.stop()
    assert len(messages) >= 2 and all(m.startswith("Backup written: ") for m in messages)
    assert len(list_backups(source.backup_dir)) == len(messages)


def test_a_chats_images_thinking_and_schema_survive_backup_and_restore(source: Settings, tmp_path: Path) -> None:
    """They live in the database, so the backup carries them with the chat."""
    person = actor_of(make_user(Role.ATTENDEE, "backed-up"))
    image = base64.b64encode(b"\x89PNG\r\n\x1a\n" + os.urandom(64)).decode()
    chat_id = chats.send_message(person, None, ChatSettings("llava:7b", schema='{"type": "object"}'), "See", (image,))
    with session_scope() as session:
        session.add(ChatMessage(chat_id=chat_id, role="assistant", content="{}", thinking="Hmm.", reply_schema={}))
    archive = create_backup(source).path

    restored = CliRunner().invoke(main, ["restore", str(archive)], env=env_for(tmp_path / "fresh"))
    assert restored.exit_code == 0, restored.output
    with sqlite3.connect(tmp_path / "fresh" / "workshop.db") as connection:
        kept = connection.execute("SELECT images, thinking FROM chat_message ORDER BY id").fetchall()
        schema = connection.execute("SELECT reply_schema FROM chat WHERE id = ?", (chat_id,)).fetchone()[0]
    assert [json.loads(images) for images, _ in kept] == [[image], []]
    assert [thinking for _, thinking in kept] == ["", "Hmm."]
    assert json.loads(schema) == {"type": "object"}


def test_arena_votes_survive_a_backup_and_restore(source: Settings, tmp_path: Path) -> None:
    teacher = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    workshop_id = create_workshop(teacher, WorkshopDraft("Arena")).id
    rounds.open_arena(teacher, workshop_id, ["m1", "m2"])
    judge = actor_of(make_user(Role.ATTENDEE, "judge", workshop_id=workshop_id))
    rounds.vote(judge, rounds.start_round(judge, workshop_id, "Q").id, "b")
    archive = create_backup(source).path
    restored = CliRunner().invoke(main, ["restore", str(archive)], env=env_for(tmp_path / "fresh"))
    assert restored.exit_code == 0, restored.output
    with sqlite3.connect(tmp_path / "fresh" / "workshop.db") as connection:
        assert connection.execute("SELECT prompt, vote FROM arena_round").fetchall() == [("Q", "b")]
        assert connection.execute("SELECT models FROM arena").fetchone()[0] == '["m1", "m2"]'


def test_exercises_and_their_submissions_survive_a_backup_and_restore(source: Settings, tmp_path: Path) -> None:
    teacher = actor_of(make_user(Role.INSTRUCTOR, "exercise-teacher"))
    workshop_id = create_workshop(teacher, WorkshopDraft("Exercises")).id
    draft = ExerciseDraft("Say hello", "Greet the model.", [{"kind": "contains", "words": ["hello"]}])
    exercise = authoring.create_exercise(teacher, workshop_id, draft)
    pupil = actor_of(make_user(Role.ATTENDEE, "pupil", workshop_id=workshop_id))
    chat_id = chats.send_message(pupil, None, ChatSettings("llama3.2:1b"), "Greet me")
    with session_scope() as session:
        session.add(ChatMessage(chat_id=chat_id, role="assistant", content="hello there", status="done"))
    assert submissions.submit_latest_chat_reply(pupil, exercise.id, chat_id).passed
    archive = create_backup(source).path

    restored = CliRunner().invoke(main, ["restore", str(archive)], env=env_for(tmp_path / "fresh"))
    assert restored.exit_code == 0, restored.output
    with sqlite3.connect(tmp_path / "fresh" / "workshop.db") as connection:
        assert connection.execute("SELECT title FROM exercise").fetchall() == [("Say hello",)]
        [(passed,)] = connection.execute("SELECT passed FROM exercise_submission").fetchall()
    assert passed
