"""What the machine and the Ollama hosts have to spare: CPU, RAM, GPU memory, models in memory.

CPU and RAM come from psutil on the machine serving the platform. GPU memory is read
from `nvidia-smi` when that command exists; without it there is no GPU figure at all,
never a made-up one. Loaded models per host come from the health monitor (/api/ps).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from dataclasses import dataclass

import psutil

from workshop_app.services.models.catalog import HostStatus, load_catalog
from workshop_app.services.ollama.client import OllamaBackend

NVIDIA_SMI_TIMEOUT_S = 1.0
_GPU_QUERY = ["--query-gpu=name,memory.used,memory.total,utilization.gpu", "--format=csv,noheader,nounits"]

psutil.cpu_percent(interval=None)  # the first reading only sets the baseline; later ones measure since


@dataclass(frozen=True)
class Gpu:
    name: str
    memory_used_mb: int
    memory_total_mb: int
    utilization_percent: int | None


@dataclass(frozen=True)
class Resources:
    cpu_percent: float
    cpu_count: int
    ram_used_bytes: int
    ram_total_bytes: int
    gpus: list[Gpu] | None  # None: no nvidia-smi on this machine
    hosts: list[HostStatus]


def read_gpus() -> list[Gpu] | None:
    """GPUs as nvidia-smi reports them; None when the command is absent or fails."""
    command = shutil.which("nvidia-smi")
    if command is None:
        return None
    try:
        result = subprocess.run(
            [command, *_GPU_QUERY], capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT_S, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return [gpu for line in result.stdout.splitlines() if (gpu := _gpu(line)) is not None]


def _gpu(line: str) -> Gpu | None:
    parts = [part.strip() for part in line.split(",")]
    if len(parts) != 4:
        return None
    try:
        utilization = int(parts[3]) if parts[3].isdigit() else None
        return Gpu(parts[0], int(float(parts[1])), int(float(parts[2])), utilization)
    except ValueError:
        return None


async def machine_resources(backends: tuple[OllamaBackend, ...] | None = None) -> Resources:
    """This machine's CPU/RAM/GPU plus each host's loaded models, from the last known state."""
    memory = psutil.virtual_memory()
    gpus = await asyncio.to_thread(read_gpus)
    catalog = await load_catalog(backends)
    return Resources(
        cpu_percent=psutil.cpu_percent(interval=None),
        cpu_count=psutil.cpu_count() or 1,
        ram_used_bytes=memory.total - memory.available,
        ram_total_bytes=memory.total,
        gpus=gpus,
        hosts=catalog.hosts,
    )
