"""Waiting for the hosts' checks in tests that are about what the catalog says, not how long a page waits."""

from __future__ import annotations

from workshop_app.services.models.catalog import load_catalog

CHECK_WAIT_S = 10.0


async def hosts_checked() -> None:
    """Every host checked now, however slow a loaded machine is.

    A page waits at most a second for a host never checked (FIRST_CHECK_WAIT_S) and shows no
    models meanwhile; under a full test run's load a first check has taken longer than that.
    """
    await load_catalog(fresh=True, max_wait=CHECK_WAIT_S)
