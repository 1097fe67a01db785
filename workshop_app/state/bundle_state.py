"""Workshop bundles on the Workshop page: download one workshop as a file, or start a new one from a file."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.workshops.bundles import embed_imported, export_bundle, import_uploaded, recreate_imported
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.workshop_state import WorkshopState

UPLOAD_ID = "bundle-upload"


class BundleState(AuthState):
    @rx.event
    @toasts_errors
    def export_workshop(self, workshop_id: int):
        bundle = export_bundle(self.acting(), workshop_id)
        return rx.download(data=bundle.data, filename=bundle.filename)

    @rx.event
    @toasts_errors
    async def import_workshop(self, files: list[rx.UploadFile]):
        if not files:
            return None
        actor = self.acting()
        imported = import_uploaded(actor, files[0].name or "", await files[0].read())
        jobs = await embed_imported(actor, imported)  # they run on in this process; the Collections page shows them
        note = f" Embedding {len(jobs)} collection(s) now." if jobs else ""
        models = await recreate_imported(actor, imported)
        note += "".join(f" {name}: {outcome}." for name, outcome in models.items())
        return [
            WorkshopState.select(imported.workshop_id),
            rx.toast.success(f"Imported “{imported.title}” with join code {imported.join_code}.{note}"),
        ]
