"""Where the files that sit beside the code live: assets, migrations, Reflex's config and lock files.

In a source checkout they are at its top; an installed wheel carries copies in `workshop_app/bundled/`
(see setup.py), so the installed app finds them wherever it is started from.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED = PACKAGE_DIR / "bundled"
ROOT = BUNDLED if (BUNDLED / "rxconfig.py").is_file() else PACKAGE_DIR.parent
"""The folder holding assets/, alembic/, alembic.ini, reflex.lock/ and rxconfig.py."""

ASSETS = ROOT / "assets"
ALEMBIC_INI = ROOT / "alembic.ini"
ALEMBIC_DIR = ROOT / "alembic"
REFLEX_LOCK = ROOT / "reflex.lock"
RXCONFIG = ROOT / "rxconfig.py"
ICON = ASSETS / "icon-256.png"
"""The desktop entry's icon (a PNG: every desktop reads it; not all read SVG)."""

BESIDE_THE_CODE = ("assets", "alembic", "alembic.ini", "reflex.lock", "rxconfig.py")
"""What setup.py copies into the wheel's `workshop_app/bundled/`."""
