"""Workshop bundles on the Workshop page: download one workshop as a file, or start a new one from a file."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.workshops.bundles import embed_imported, export_bundle, import_uploaded
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import error_toast
from workshop_app.state.workshop_state import WorkshopState

UPLOAD_ID = "bundle-upload"


class BundleState(AuthState):
    @rx.event
    def export_workshop(self, workshop_id: int):
        try:
            bundle = export_bundle(self.acting(), workshop_id)
        except WorkshopError as error:
            return error_toast(error)
        return rx.download(data=bundle.data, filename=bundle.filename)

    @rx.event
    async def import_workshop(self, files: list[rx.UploadFile]):
        if not files:
            return None
        try:
            actor = self.acting()
            imported = import_uploaded(actor, files[0].name or "", await files[0].read())
            jobs = await embed_imported(actor, imported)  # they run on in this process; the Collections page shows them
        except WorkshopError as error:
            return error_toast(error)
        note = f" Embedding {len(jobs)} collection(s) now." if jobs else ""
        return [
            WorkshopState.select(imported.workshop_id),
            rx.toast.success(f"Imported “{imported.title}” with join code {imported.join_code}.{note}"),
        ]
