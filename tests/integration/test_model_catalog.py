"""The model catalog over two hosts: merging, health, residency, routing and metrics from real requests."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.host_checks import hosts_checked
from tests.support.ports import free_port
from tests.support.two_hosts import Hosts, second_server, two_hosts  # noqa: F401  (fixtures)
from workshop_app.db.users import Role
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.core.errors import Forbidden, Unauthorized
from workshop_app.services.models.catalog import catalog_for, load_catalog, model_details, model_status, select_models
from workshop_app.services.ollama.backends import backend_for, get_monitor
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendError, BackendUnavailable, ModelNotFound
from workshop_app.services.ollama.health_monitor import HealthMonitor
from workshop_app.services.ollama.router import pick_host
from workshop_app.services.ollama.scheduler import QueueBusy, scheduler_for
from workshop_app.services.workshops.policy import Actor

READER = Actor(id=9100, role=Role.ATTENDEE)


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def only_on_b(hosts: Hosts, model: str) -> None:
    await OllamaBackend(hosts.a.url).delete(model)


async def test_the_catalog_merges_the_hosts_with_capabilities_and_context(two_hosts: Hosts) -> None:
    await only_on_b(two_hosts, "llava:7b")
    await hosts_checked()
    catalog = await load_catalog()
    assert [host.url for host in catalog.hosts] == [two_hosts.a.url, two_hosts.b.url]
    assert all(host.reachable and host.age_s is not None for host in catalog.hosts)
    llama = catalog.find("llama3.2:1b")
    assert llama.hosts == [two_hosts.a.url, two_hosts.b.url]
    assert llama.capabilities == ("completion", "tools")
    assert llama.context_length == 131_072
    assert (llama.family, llama.parameter_size, llama.quantization) == ("llama", "1.2B", "Q8_0")
    assert catalog.find("llava:7b").hosts == [two_hosts.b.url]
    assert "vision" in catalog.find("llava:7b").capabilities
    assert catalog.find("nomic-embed-text").capabilities == ("embedding",)
    assert len([m for m in catalog.models if m.name == "llama3.2:1b"]) == 1, "one row per model, not per host"


async def test_a_down_host_is_flagged_and_its_models_are_unhealthy(two_hosts: Hosts) -> None:
    await only_on_b(two_hosts, "llava:7b")
    await load_catalog()
    two_hosts.b.refuse_connections()
    await hosts_checked()
    catalog = await load_catalog()
    down = catalog.hosts[1]
    assert not down.reachable
    assert f"Cannot reach Ollama at {two_hosts.b.url}" in down.error
    assert "ollama serve" in down.hint
    assert catalog.find("llava:7b").healthy is False, "last seen on the down host only"
    assert catalog.find("llama3.2:1b").healthy is True, "still on the first host"
    with pytest.raises(BackendUnavailable, match=two_hosts.b.url):
        await model_status(READER, "llava:7b")
    with pytest.raises(ModelNotFound):
        await model_status(READER, "mistral:7b")


async def test_the_model_list_does_not_wait_for_a_host_that_hangs(
    two_hosts: Hosts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_OLLAMA_PROBE_TIMEOUT", "10")  # the hung host's check would take 10 s
    reset_settings_caches()
    two_hosts.b.config.fault = "hang"
    started = time.monotonic()
    catalog = await load_catalog()
    assert time.monotonic() - started < 5, "answered after about a second, not after the hung host's check"
    assert catalog.hosts[0].reachable
    assert not catalog.hosts[1].reachable and catalog.hosts[1].error.startswith("No answer yet")
    assert "llama3.2:1b" in catalog.model_names


async def test_a_host_that_hangs_is_down_once_its_check_gives_up(two_hosts: Hosts) -> None:
    two_hosts.b.config.fault = "hang"
    await load_catalog()
    deadline = time.monotonic() + 5  # the check gives up after the probe timeout (0.5 s); a loaded machine lags
    while "no answer within 0.5 s" not in get_monitor().states()[1].error and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    later = await load_catalog()
    assert not later.hosts[1].reachable
    assert "no answer within 0.5 s" in later.hosts[1].error


async def test_a_host_whose_models_are_slow_to_describe_lists_them_within_the_first_second(
    fake_ollama: FakeOllama,
) -> None:
    fake_ollama.config.show_delay = 1.5  # /api/show reads each model's file; many models on a cold disk are slow
    monitor = HealthMonitor([OllamaBackend(fake_ollama.url)], interval=3600, probe_timeout=5.0)
    first = (await monitor.current(max_wait=1.0))[0]
    assert first.reachable, "the host answered its model list at once"
    assert first.has("llama3.2:1b")
    await monitor.refresh(max_wait=5.0)
    monitor.stop()
    assert monitor.show_of("llama3.2:1b") is not None, "the descriptions follow"


async def test_requests_go_to_the_host_where_the_model_is_loaded(two_hosts: Hosts) -> None:
    await OllamaBackend(two_hosts.b.url).set_residency("qwen2.5:0.5b", "5m")
    await get_monitor().refresh()
    assert (await backend_for("qwen2.5:0.5b")).url == two_hosts.b.url
    await OllamaBackend(two_hosts.b.url).set_residency("qwen2.5:0.5b", 0)
    await get_monitor().refresh()
    assert (await backend_for("qwen2.5:0.5b")).url == two_hosts.a.url, "neither loaded: first configured host"


async def test_a_model_on_one_host_is_routed_there_and_a_missing_one_is_not_found(two_hosts: Hosts) -> None:
    await only_on_b(two_hosts, "llava:7b")
    assert (await backend_for("llava:7b")).url == two_hosts.b.url
    with pytest.raises(ModelNotFound):
        await backend_for("mistral:7b")


async def test_among_equal_hosts_the_least_busy_one_is_chosen(two_hosts: Hosts) -> None:
    """Busy is what the fair scheduler holds for a host: requests in flight plus waiting."""
    states = await get_monitor().current()
    assert pick_host("llama3.2:1b", states, QueueBusy()) == two_hosts.a.url, "idle hosts: the first configured"
    async with scheduler_for(two_hosts.a.url).turn("attendee-1") as turn:
        await turn.wait()
        assert pick_host("llama3.2:1b", states, QueueBusy()) == two_hosts.b.url
        assert (await backend_for("llama3.2:1b")).url == two_hosts.b.url
    assert pick_host("llama3.2:1b", states, QueueBusy()) == two_hosts.a.url


async def test_a_model_pulled_since_the_last_check_is_found(two_hosts: Hosts) -> None:
    await load_catalog()
    async for _ in OllamaBackend(two_hosts.b.url).pull("gemma3:1b"):
        pass
    assert (await backend_for("gemma3:1b")).url == two_hosts.b.url


async def test_metrics_come_from_the_requests_the_platform_sent(two_hosts: Hosts) -> None:
    await only_on_b(two_hosts, "llava:7b")
    await hosts_checked()
    earlier = len((await model_details(READER, "llava:7b")).points)  # other tests' requests to llava in this database
    two_hosts.b.config.token_delay = 0.01
    for text in ("first question", "second question"):
        [chunk async for chunk in stream_reply("llava:7b", ask(text))]
    two_hosts.b.config.fault = "error_mid_stream"
    with pytest.raises(BackendError):
        [chunk async for chunk in stream_reply("llava:7b", ask("this one fails"))]

    llava = (await load_catalog()).find("llava:7b")
    metrics = llava.host_metrics[0]
    assert metrics.backend_url == two_hosts.b.url
    assert metrics.total_requests == 3
    assert metrics.success_rate == pytest.approx(2 / 3)
    assert metrics.avg_latency_ms > 0 and metrics.p95_latency_ms >= metrics.avg_latency_ms * 0.5
    assert metrics.avg_tokens_per_s > 0
    assert metrics.last_used
    details = await model_details(READER, "llava:7b")
    assert len(details.points) == earlier + 3
    assert [p.outcome for p in details.points[earlier:]] == ["success", "success", "error"]


async def test_details_carry_the_show_data(two_hosts: Hosts) -> None:
    await hosts_checked()
    details = await model_details(READER, "llama3.2:1b")
    assert details.host_url == two_hosts.a.url
    assert "<|start_header_id|>" in details.template
    assert "stop" in details.parameters
    assert details.license and "FROM" in details.modelfile
    assert details.supports_streaming and details.supports_tools
    embed = await model_details(READER, "nomic-embed-text")
    assert not embed.supports_streaming and not embed.supports_tools


async def test_sorting_filtering_and_search(two_hosts: Hosts) -> None:
    await hosts_checked()
    models = (await load_catalog()).models
    assert [m.name for m in select_models(models, capability="embedding")] == ["nomic-embed-text:latest"]
    assert [m.name for m in select_models(models, search="QWEN")] == ["qwen2.5:0.5b", "qwen3:0.6b"]
    by_size = select_models(models, sort="size")
    assert by_size[0].name == "llava:7b" and by_size[-1].name == "nomic-embed-text:latest"


class CountingBackend(OllamaBackend):
    """A real client that notes when the monitor checks its host."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.checked_at: list[float] = []

    async def list_models(self, **kwargs):
        self.checked_at.append(time.monotonic())
        return await super().list_models(**kwargs)


async def test_a_down_host_is_checked_less_and_less_often() -> None:
    backend = CountingBackend(f"http://127.0.0.1:{free_port()}")
    monitor = HealthMonitor([backend], interval=0.02, max_backoff=0.16, probe_timeout=1.0)
    monitor.ensure_started()
    deadline = time.monotonic() + 10  # six checks take about 0.5 s; a loaded machine only adds to each wait
    # A check is noted when it starts and counted when it ends: wait for six to end.
    while monitor.states()[0].failures < 6 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    monitor.stop()
    state = monitor.states()[0]
    assert not state.reachable and "connection refused" in state.error
    times = backend.checked_at[:6]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    waits = [0.02, 0.04, 0.08, 0.16, 0.16]  # doubling per failure, up to the longest wait
    assert len(gaps) == 5 and all(gap >= wait * 0.9 for gap, wait in zip(gaps, waits, strict=True)), (
        f"gaps {[round(gap, 3) for gap in gaps]} s; each wait is at least {waits} s"
    )
    assert state.failures >= 6


async def test_a_host_that_comes_back_is_reachable_at_the_next_check(fake_ollama: FakeOllama) -> None:
    fake_ollama.refuse_connections()
    monitor = HealthMonitor([OllamaBackend(fake_ollama.url)], interval=0.05, max_backoff=0.1, probe_timeout=1.0)
    assert not (await monitor.current())[0].reachable
    fake_ollama.accept_connections()
    deadline = asyncio.get_running_loop().time() + 5  # the next check is due within 0.1 s; a loaded machine lags
    while not monitor.states()[0].reachable and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    state = monitor.states()[0]
    monitor.stop()
    assert state.reachable and state.failures == 0 and not state.error


async def test_an_attendee_sees_only_the_models_of_their_workshop(two_hosts: Hosts) -> None:
    attendee = Actor(id=9101, role=Role.ATTENDEE, workshop_id=1, allowed_models=("llama3.2:1b",))
    await hosts_checked()
    assert [m.name for m in (await catalog_for(attendee)).models] == ["llama3.2:1b"]
    with pytest.raises(Forbidden):
        await model_status(attendee, "qwen2.5:0.5b")
    with pytest.raises(Unauthorized):
        await catalog_for(None)


async def test_chats_queueing_for_the_loaded_host_spill_over_to_an_idle_one_that_has_the_model(
    two_hosts: Hosts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_OLLAMA_PARALLELISM", "1")
    for host in (two_hosts.a, two_hosts.b):
        host.config.reply_tokens, host.config.token_delay = 10, 0.05  # a reply takes about half a second
    await OllamaBackend(two_hosts.a.url).set_residency("qwen2.5:0.5b", "5m")
    await get_monitor().refresh()

    async def chat(n: int) -> None:
        await asyncio.sleep(0.05 * n)  # four people ask one after the other, while the first replies run
        async for _ in stream_reply("qwen2.5:0.5b", ask("hi"), client_ip=f"192.0.2.{n}"):
            pass

    started = time.monotonic()
    await asyncio.gather(*(chat(n) for n in range(4)))
    served = [host.stats.requests.get("/api/chat", 0) for host in (two_hosts.a, two_hosts.b)]
    assert served[1] >= 1, f"the idle host with the model on disk took part: {served}"
    assert sum(served) == 4
    assert time.monotonic() - started < 4 * 0.5, "faster than four replies one after the other"
