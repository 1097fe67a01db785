"""Private means private, with one stated and logged way for an admin to remove a private item."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.support.accounts import actor_of, make_user
from workshop_app.cli import main
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound
from workshop_app.services.rag.documents import get_document, list_documents, upload_many
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop
from workshop_app.services.workshops.moderation import delete_for_moderation


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    return None


def _private_document_of_an_attendee():
    instructor = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    workshop = create_workshop(instructor, WorkshopDraft("Private matters"))
    attendee = actor_of(make_user(Role.ATTENDEE, "learner", workshop_id=workshop.id))
    [result] = upload_many(attendee, [("diary.txt", b"my private llama diary")])
    return instructor, attendee, result.document_id


def test_neither_the_instructor_nor_an_admin_reads_an_attendees_private_document() -> None:
    instructor, attendee, document_id = _private_document_of_an_attendee()
    admin = actor_of(make_user(Role.ADMIN, "admin"))
    for outsider in (instructor, admin):
        with pytest.raises(Forbidden):
            get_document(outsider, document_id)
        assert document_id not in {d.id for d in list_documents(outsider)}
    assert get_document(attendee, document_id).text == "my private llama diary"


def test_an_admin_deletes_a_private_item_only_with_a_reason_and_it_is_logged() -> None:
    instructor, attendee, document_id = _private_document_of_an_attendee()
    admin = make_user(Role.ADMIN, "admin")
    with pytest.raises(InvalidInput):
        delete_for_moderation(actor_of(admin), "document", document_id, "  ")
    with pytest.raises(Forbidden):
        delete_for_moderation(instructor, "document", document_id, "I want to")
    command = ["moderate-delete", "document", str(document_id), "--admin", admin.username]
    command += ["--reason", "reported: leaked key"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert "moderation" in result.output and "reported: leaked key" in result.output and admin.username in result.output
    with pytest.raises(NotFound):
        get_document(attendee, document_id)
