"""Export and Import buttons for workshop bundles (one file with a workshop's whole material)."""

from __future__ import annotations

import reflex as rx

from workshop_app.state.bundle_state import UPLOAD_ID, BundleState


def export_button(workshop_id: rx.Var) -> rx.Component:
    return rx.button(
        rx.icon("download", size=14),
        "Export bundle",
        on_click=BundleState.export_workshop(workshop_id),
        variant="soft",
        id="export-bundle",
        title="Download this workshop's settings, prompts, tools, documents, collections and RAG systems as one file",
    )


def import_button() -> rx.Component:
    """Choosing a bundle file imports it at once as a new workshop."""
    return rx.upload(
        rx.button(rx.icon("upload", size=14), "Import bundle", variant="soft", type="button", id="import-bundle"),
        id=UPLOAD_ID,
        accept={"application/gzip": [".gz"]},
        max_files=1,
        no_drag=True,
        on_drop=BundleState.import_workshop(rx.upload_files(upload_id=UPLOAD_ID)),
        border="none",
        padding="0",
    )
