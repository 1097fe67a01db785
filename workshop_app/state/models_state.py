"""State of the Models page: the catalog, the host panel, pulls in progress, and model actions."""

from __future__ import annotations

import asyncio

import reflex as rx

from workshop_app.services.models import admin as model_admin
from workshop_app.services.models.builder import may_build
from workshop_app.services.models.catalog import catalog_for, select_models
from workshop_app.services.models.resources import machine_resources
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.model_views import (
    HostView,
    MachineView,
    ModelRow,
    PullView,
    host_view,
    machine_view,
    model_row,
    pull_view,
)

PULL_POLL_S = 0.4
VIEW_CONTROLS = ("search", "capability", "sort")


class ModelsState(AuthState):
    """The catalog as last known, filtered and sorted here; pulls watched while any runs."""

    rows: list[ModelRow] = []
    hosts: list[HostView] = []
    machine: MachineView = MachineView()
    pulls: list[PullView] = []
    search: str = ""
    capability: str = "all"
    sort: str = "name"
    pull_name: str = ""
    delete_target: str = ""
    loading: bool = False
    loaded_once: bool = False
    watching: bool = False
    may_build: bool = False
    _models: list = []

    @rx.var
    def unreachable_hosts(self) -> list[HostView]:
        return [host for host in self.hosts if not host.reachable]

    async def _show(self, catalog) -> None:
        self._models = catalog.models
        self.hosts = [host_view(host) for host in catalog.hosts]
        self._apply_view()
        self.pulls = [pull_view(p) for p in await model_admin.pull_progress()]
        self.loaded_once = True

    def _apply_view(self) -> None:
        capability = "" if self.capability == "all" else self.capability
        self.rows = [model_row(m) for m in select_models(self._models, self.search, capability, self.sort)]

    @rx.event
    async def refresh(self):
        """Page load, Refresh and Retry: check the hosts again, waiting at most a second for them."""
        actor = self.signed_in()
        if actor is None:
            return
        self.loading, self.may_build = True, may_build(actor)
        yield
        await self._show(await catalog_for(actor, fresh=True))
        self.machine = machine_view(await machine_resources())
        self.loading = False
        if any(p.running for p in self.pulls):
            yield ModelsState.watch_pulls

    @rx.event
    def set_view(self, name: str, value: str):
        """One of the catalog's view controls (search, capability, sort) changed: show the rows anew."""
        if name in VIEW_CONTROLS:
            setattr(self, name, value)
            self._apply_view()

    @rx.event
    def set_pull_name(self, value: str):
        self.pull_name = value

    @rx.event
    @toasts_errors
    async def start_pull(self):
        await model_admin.start_pull(self.acting(), self.pull_name)
        self.pull_name = ""
        self.pulls = [pull_view(p) for p in await model_admin.pull_progress()]
        return ModelsState.watch_pulls

    @rx.event
    @toasts_errors
    async def cancel_pull(self, model: str, host: str):
        await model_admin.cancel_pull(self.acting(), model, host)
        self.pulls = [pull_view(p) for p in await model_admin.pull_progress()]

    @rx.event
    @toasts_errors
    async def dismiss_pull(self, model: str, host: str):
        await model_admin.dismiss_pull(self.acting(), model, host)
        self.pulls = [pull_view(p) for p in await model_admin.pull_progress()]

    @rx.event(background=True)
    async def watch_pulls(self):
        """Follow the server-side pulls: show the new catalog when the last one ends, and keep
        following until a success card has cleared itself."""
        async with self:
            if self.watching:
                return
            self.watching = True
        try:
            was_running = following = True
            while following:
                was_running, following = await self._follow_pulls(was_running)
        finally:
            async with self:
                self.watching = False

    async def _follow_pulls(self, was_running: bool) -> tuple[bool, bool]:
        """One look at the pulls: whether any still runs, and whether to look again after a pause."""
        progress = [pull_view(p) for p in await model_admin.pull_progress()]
        async with self:
            self.pulls = progress
        running = any(p.running for p in progress)
        if was_running and not running:
            await self._show_catalog()
        if not running and not any(p.state == "done" for p in progress):
            return running, False
        await asyncio.sleep(PULL_POLL_S)
        return running, True

    async def _show_catalog(self) -> None:
        async with self:
            actor = self.signed_in()
        if actor is not None:
            catalog = await catalog_for(actor)
            async with self:
                await self._show(catalog)

    @rx.event
    async def load_model(self, name: str):
        return await self._act(model_admin.load_model, name, f"{name} is loaded: Ollama lists it in memory.")

    @rx.event
    async def unload_model(self, name: str):
        return await self._act(model_admin.unload_model, name, f"{name} is unloaded.")

    @rx.event
    def ask_delete(self, name: str):
        self.delete_target = name

    @rx.event
    def cancel_delete(self):
        self.delete_target = ""

    @rx.event
    async def confirm_delete(self):
        name, self.delete_target = self.delete_target, ""
        return await self._act(model_admin.delete_model, name, f"{name} is deleted.")

    @toasts_errors
    async def _act(self, action, name: str, done: str):
        actor = self.acting()
        await action(actor, name)
        await self._show(await catalog_for(actor))
        return rx.toast.success(done)
