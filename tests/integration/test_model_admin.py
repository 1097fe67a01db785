"""Pull, cancel, load, unload and delete through the services, against two fake hosts."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path

import pytest

from tests.fakes.catalog import REGISTRY
from tests.support.two_hosts import Hosts, second_server, two_hosts  # noqa: F401  (fixtures)
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput, Unauthorized
from workshop_app.services.core.jobs import Job, JobStatus, get_jobs
from workshop_app.services.models import admin as model_admin
from workshop_app.services.models.admin import PULL
from workshop_app.services.models.catalog import load_catalog
from workshop_app.services.models.names import validate_model_name
from workshop_app.services.models.resources import machine_resources, read_gpus
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import ModelDidNotLoad
from workshop_app.services.ollama.pulls import PullLayers
from workshop_app.services.ollama.types import PullStep
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.model_views import pull_view

INSTRUCTOR = Actor(id=9001, role=Role.INSTRUCTOR)
ADMIN = Actor(id=9002, role=Role.ADMIN)
ATTENDEE = Actor(id=9003, role=Role.ATTENDEE)


async def installed(url: str) -> set[str]:
    return {info.name for info in await OllamaBackend(url).list_models()}


async def until_finished(started: Job, timeout: float = 10.0) -> list[Job]:
    """Every distinct progress snapshot of the pull until it ends."""
    seen: list[Job] = []
    async with asyncio.timeout(timeout):
        async for progress in model_admin.watch_pull(INSTRUCTOR, started.id, every=0.02):
            if not seen or progress != seen[-1]:
                seen.append(progress)
    return seen


@pytest.mark.parametrize(
    "name",
    ["tinyllama:latest", "mistral:7b-instruct-q4_K_M", "namespace/model:tag", "hf.co/org/repo:Q4_K_M", "llama3.2"],
)
def test_valid_model_names_pass(name: str) -> None:
    assert validate_model_name(f"  {name} ") == name


@pytest.mark.parametrize(
    "name",
    ["", "llama 3", "../secrets", "a/../b", "llama3;rm -rf /", "x$(id)", "model:tag`", "a|b", "name:", ":tag", "-rf"],
)
def test_invalid_model_names_fail(name: str) -> None:
    with pytest.raises(InvalidInput):
        validate_model_name(name)


def test_progress_is_summed_over_layers_with_speed_and_eta() -> None:
    job, layers = Job("id", "pull", None, "m:1", "http://h", status=JobStatus.RUNNING), PullLayers()
    layers.apply(job, PullStep("pulling manifest"), now=0.0)
    layers.apply(job, PullStep("pulling aaa", "sha256:aaa", total=1000, completed=100), now=0.0)
    layers.apply(job, PullStep("pulling bbb", "sha256:bbb", total=200, completed=200), now=1.0)
    layers.apply(job, PullStep("pulling aaa", "sha256:aaa", total=1000, completed=500), now=2.0)
    assert (job.done, job.total) == (700, 1200)
    assert job.percent == pytest.approx(700 / 1200 * 100)
    assert job.message == "pulling aaa"
    assert job.rate == pytest.approx((700 - 100) / 2.0)
    assert job.eta_s == pytest.approx(500 / 300)


async def test_a_pull_reaches_100_percent_and_the_model_appears(two_hosts: Hosts) -> None:
    two_hosts.b.config.pull_line_delay = 0.03
    started = await model_admin.start_pull(INSTRUCTOR, "gemma3:1b", two_hosts.b.url)
    snapshots = await until_finished(started)
    final = snapshots[-1]
    assert final.status == JobStatus.DONE and final.percent == 100
    assert final.total == REGISTRY["gemma3:1b"].size
    assert any(0 < s.percent < 100 for s in snapshots)
    assert "gemma3:1b" in await installed(two_hosts.b.url)
    assert "gemma3:1b" not in await installed(two_hosts.a.url)
    for _ in range(60):  # the catalog re-checks the host after a successful pull (its next check is 10 s away)
        if (await load_catalog()).find("gemma3:1b") is not None:
            break
        await asyncio.sleep(0.05)
    assert (await load_catalog()).find("gemma3:1b").hosts == [two_hosts.b.url]


async def test_a_second_person_joins_the_running_pull(two_hosts: Hosts) -> None:
    two_hosts.a.config.pull_line_delay = 0.05
    first = await model_admin.start_pull(INSTRUCTOR, "all-minilm", two_hosts.a.url)
    await asyncio.sleep(0.12)
    second = await model_admin.start_pull(ADMIN, "all-minilm", two_hosts.a.url)
    assert second.started_at == first.started_at
    assert second.id == first.id
    await until_finished(first)
    assert two_hosts.a.stats.requests["/api/pull"] == 1, "one download, two viewers"


async def test_cancel_stops_the_download(two_hosts: Hosts) -> None:
    two_hosts.b.config.pull_line_delay = 0.1
    started = await model_admin.start_pull(INSTRUCTOR, "gemma3:1b", two_hosts.b.url)
    await asyncio.sleep(0.35)
    cancelled = await model_admin.cancel_pull(INSTRUCTOR, "gemma3:1b", two_hosts.b.url)
    assert cancelled.status == JobStatus.CANCELLED
    assert 0 < cancelled.done < cancelled.total or cancelled.total == 0
    await asyncio.sleep(1.2)  # longer than the rest of the pull would have taken
    assert "gemma3:1b" not in await installed(two_hosts.b.url), "Ollama never finished it: the request was closed"
    assert (await get_jobs().get(INSTRUCTOR, started.id)).status == JobStatus.CANCELLED


async def test_a_pull_of_an_unknown_model_ends_with_an_explanation(two_hosts: Hosts) -> None:
    started = await model_admin.start_pull(INSTRUCTOR, "no-such-model:1b", two_hosts.a.url)
    final = (await until_finished(started))[-1]
    assert final.status == JobStatus.FAILED
    assert "no model 'no-such-model:1b'" in final.error
    assert "ollama.com/library" in final.hint


async def test_a_failed_pull_card_shows_only_its_error_and_can_be_dismissed(two_hosts: Hosts) -> None:
    started = await model_admin.start_pull(INSTRUCTOR, "no-such-model:2b", two_hosts.a.url)
    final = (await until_finished(started))[-1]
    card = pull_view(final)
    assert (card.state, card.status) == ("failed", ""), "not 'failed' and 'pulling manifest' at once"
    assert "no model 'no-such-model:2b'" in card.error
    with pytest.raises(Forbidden):
        await model_admin.dismiss_pull(ATTENDEE, "no-such-model:2b", two_hosts.a.url)
    await model_admin.dismiss_pull(INSTRUCTOR, "no-such-model:2b", two_hosts.a.url)
    assert all(p.subject != "no-such-model:2b" for p in await model_admin.pull_progress())


async def test_a_successful_pull_card_clears_itself_while_a_failed_one_waits_to_be_dismissed(two_hosts: Hosts) -> None:
    found = await model_admin.start_pull(INSTRUCTOR, "all-minilm", two_hosts.b.url)
    missing = await model_admin.start_pull(INSTRUCTOR, "no-such-model:3b", two_hosts.b.url)
    await until_finished(found)
    await until_finished(missing)
    later = time.time() + PULL.keep_done_s + 1
    listed = await get_jobs().listed(None, PULL, now=later)
    assert [(p.subject, p.status) for p in listed if p.subject in ("all-minilm", "no-such-model:3b")] == [
        ("no-such-model:3b", JobStatus.FAILED)
    ]
    with pytest.raises(InvalidInput, match="still running"):
        two_hosts.a.config.pull_line_delay = 0.2
        await model_admin.start_pull(INSTRUCTOR, "gemma3:1b", two_hosts.a.url)
        await model_admin.dismiss_pull(INSTRUCTOR, "gemma3:1b", two_hosts.a.url)
    await model_admin.cancel_pull(INSTRUCTOR, "gemma3:1b", two_hosts.a.url)


async def test_a_pull_goes_to_the_first_reachable_host_by_default(two_hosts: Hosts) -> None:
    two_hosts.a.refuse_connections()
    started = await model_admin.start_pull(INSTRUCTOR, "all-minilm", None)
    assert started.place == two_hosts.b.url
    await until_finished(started)


async def test_only_instructors_and_admins_manage_models(two_hosts: Hosts) -> None:
    for action in (
        model_admin.start_pull(ATTENDEE, "gemma3:1b"),
        model_admin.load_model(ATTENDEE, "llama3.2:1b"),
        model_admin.unload_model(ATTENDEE, "llama3.2:1b"),
        model_admin.delete_model(ATTENDEE, "llama3.2:1b"),
    ):
        with pytest.raises(Forbidden):
            await action
    with pytest.raises(Unauthorized):
        await model_admin.load_model(None, "llama3.2:1b")
    assert two_hosts.a.stats.requests.get("/api/pull", 0) == two_hosts.a.stats.requests.get("/api/delete", 0) == 0


async def test_load_and_unload_an_embedding_model(two_hosts: Hosts) -> None:
    host = await model_admin.load_model(ADMIN, "nomic-embed-text")
    assert host == two_hosts.a.url
    assert (await load_catalog()).find("nomic-embed-text").loaded
    assert await model_admin.unload_model(ADMIN, "nomic-embed-text") == [two_hosts.a.url]
    assert not (await load_catalog()).find("nomic-embed-text").loaded


async def test_loading_an_embedding_model_is_confirmed_by_what_ollama_lists(two_hosts: Hosts) -> None:
    """A host that answers an empty embed without loading: the model is loaded all the same, and /api/ps says so."""
    two_hosts.a.config.empty_loads_ignored = True
    assert await model_admin.load_model(ADMIN, "nomic-embed-text", two_hosts.a.url) == two_hosts.a.url
    listed = {m.name for m in await OllamaBackend(two_hosts.a.url).loaded_models()}
    assert "nomic-embed-text:latest" in listed


async def test_a_load_that_ollama_does_not_list_is_reported_not_claimed(two_hosts: Hosts) -> None:
    two_hosts.a.config.empty_loads_ignored = True
    with pytest.raises(ModelDidNotLoad, match=r"llama3.2:1b did not load on .*/api/ps"):
        await model_admin.load_model(ADMIN, "llama3.2:1b", two_hosts.a.url)


async def test_delete_removes_the_model_from_every_host(two_hosts: Hosts) -> None:
    assert await model_admin.delete_model(INSTRUCTOR, "qwen2.5:0.5b") == [two_hosts.a.url, two_hosts.b.url]
    assert (await load_catalog()).find("qwen2.5:0.5b") is None
    assert "qwen2.5:0.5b" not in await installed(two_hosts.b.url)


async def test_without_nvidia_smi_there_is_no_gpu_figure(
    two_hosts: Hosts, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    resources = await machine_resources()
    assert resources.gpus is None
    assert resources.ram_total_bytes > 0 and resources.cpu_count >= 1
    assert [h.url for h in resources.hosts] == [two_hosts.a.url, two_hosts.b.url]


def test_nvidia_smi_output_is_read_when_present(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "nvidia-smi"
    script.write_text("#!/bin/sh\necho 'NVIDIA RTX 4090, 2048, 24564, 7'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    [gpu] = read_gpus()
    assert (gpu.name, gpu.memory_used_mb, gpu.memory_total_mb, gpu.utilization_percent) == (
        "NVIDIA RTX 4090",
        2048,
        24564,
        7,
    )
