"""The wheel also carries the files beside the package (assets, migrations, Reflex's config and lock files),
under `workshop_app/bundled/`, where workshop_app.app_files finds them once installed."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BESIDE_THE_CODE = runpy.run_path("workshop_app/app_files.py")["BESIDE_THE_CODE"]  # plain pathlib, no dependencies
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "external")


class BuildWithAppFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads them from the checkout
        target = Path(self.build_lib) / "workshop_app" / "bundled"
        for name in BESIDE_THE_CODE:
            source = Path(name)
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=SKIPPED, dirs_exist_ok=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithAppFiles})
