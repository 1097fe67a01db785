"""The prompt library: versions, sharing, filling, import/export, and pushing to a workshop."""

from __future__ import annotations

import json

import pytest

from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput
from workshop_app.services.prompts import library as prompts
from workshop_app.services.prompts.library import PromptDraft
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop, remove_attendee

EXPLAIN = PromptDraft(
    "Explain", "Explain {{topic}} in {{words}} words.", "You teach {{audience}}.", ("Teaching", " basics ")
)


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Prompts live in the session database."""


@pytest.fixture
def workshop_people():
    """An instructor (already teaching the workshop), the workshop, and two attendees in it."""
    teacher = make_user(Role.INSTRUCTOR, "teacher")
    workshop = create_workshop(actor_of(teacher), WorkshopDraft("Prompting 101"))
    attendees = [actor_of(make_user(Role.ATTENDEE, "pupil", workshop_id=workshop.id)) for _ in range(2)]
    return actor_of(teacher), workshop, attendees


def test_every_save_is_a_new_version_and_restore_adds_one() -> None:
    author = actor_of(make_user(Role.ATTENDEE, "author"))
    view = prompts.create_prompt(author, EXPLAIN)
    assert view.prompt.version == 1 and view.variables == ["audience", "topic", "words"]
    assert view.prompt.tags == ["teaching", "basics"]

    prompt_id = view.prompt.id
    prompts.save_prompt(author, prompt_id, PromptDraft("Explain", "Explain {{topic}} simply."))
    latest = prompts.get_prompt(author, prompt_id)
    assert latest.version.number == 2 and latest.variables == ["topic"]
    assert prompts.get_prompt(author, prompt_id, 1).version.body == EXPLAIN.body

    restored = prompts.restore_version(author, prompt_id, 1)
    assert restored.version.number == 3 and restored.version.body == EXPLAIN.body
    assert restored.version.note == "restored version 1"
    assert [v.number for v in prompts.list_versions(author, prompt_id)] == [3, 2, 1]


def test_filling_uses_every_variable_of_the_current_version() -> None:
    author = actor_of(make_user(Role.ATTENDEE, "author"))
    prompt_id = prompts.create_prompt(author, EXPLAIN).prompt.id
    filled = prompts.fill_prompt(author, prompt_id, {"topic": "tides", "words": "50", "audience": "children"})
    assert filled.message == "Explain tides in 50 words."
    assert filled.system_prompt == "You teach children."
    with pytest.raises(InvalidInput, match="Unknown variable"):
        prompts.fill_prompt(author, prompt_id, {"topic": "tides", "words": "50", "audience": "kids", "tone": "dry"})


def test_bad_drafts_are_refused() -> None:
    author = actor_of(make_user(Role.ATTENDEE, "author"))
    with pytest.raises(InvalidInput, match="empty"):
        prompts.create_prompt(author, PromptDraft("Empty", "  "))
    with pytest.raises(InvalidInput, match="not a valid variable"):
        prompts.create_prompt(author, PromptDraft("Broken", "Hello {{first name}}"))
    with pytest.raises(InvalidInput, match="no workshop to share"):
        prompts.create_prompt(author, PromptDraft("Shared", "Hi", visibility="workshop"))


def test_a_workshop_prompt_is_readable_there_but_only_its_author_changes_it(workshop_people) -> None:
    _, workshop, (author, classmate) = workshop_people
    stranger = actor_of(make_user(Role.ATTENDEE, "stranger"))
    shared = prompts.create_prompt(author, PromptDraft("Shared", "Hi {{name}}", visibility="workshop")).prompt
    private = prompts.create_prompt(author, PromptDraft("Mine", "Hello")).prompt
    assert shared.workshop_id == workshop.id

    assert [p.id for p in prompts.list_prompts(classmate)] == [shared.id]
    assert prompts.list_prompts(stranger) == []
    assert prompts.get_prompt(classmate, shared.id).editable is False
    with pytest.raises(Forbidden):
        prompts.save_prompt(classmate, shared.id, PromptDraft("Shared", "Taken over"))
    with pytest.raises(Forbidden):
        prompts.get_prompt(classmate, private.id)


def test_search_and_tags_filter_the_list() -> None:
    author = actor_of(make_user(Role.ATTENDEE, "author"))
    prompts.create_prompt(author, EXPLAIN)
    prompts.create_prompt(author, PromptDraft("Summarise", "Summarise {{text}}", tags=("writing",)))
    assert [p.name for p in prompts.list_prompts(author, search="summ")] == ["Summarise"]
    assert [p.name for p in prompts.list_prompts(author, tag="Teaching")] == ["Explain"]


def test_export_then_import_round_trips_and_a_broken_file_imports_nothing() -> None:
    author = actor_of(make_user(Role.ATTENDEE, "author"))
    ids = [
        prompts.create_prompt(author, EXPLAIN).prompt.id,
        prompts.create_prompt(author, PromptDraft("Other", "Hi")).prompt.id,
    ]
    exported = prompts.export_json(author, ids)

    reader = actor_of(make_user(Role.ATTENDEE, "reader"))
    imported = prompts.import_json(reader, exported)
    assert sorted(p.name for p in imported) == ["Explain", "Other"]
    explain = next(p for p in imported if p.name == "Explain")
    assert prompts.get_prompt(reader, explain.id).version.system_prompt == EXPLAIN.system_prompt

    broken = json.loads(exported)
    broken["prompts"][1]["body"] = "Hello {{bad name}}"
    with pytest.raises(InvalidInput, match="prompt #2"):
        prompts.import_json(reader, json.dumps(broken))
    with pytest.raises(InvalidInput, match="not JSON"):
        prompts.import_json(reader, "{oops")
    assert len(prompts.list_prompts(reader)) == 2


def test_an_instructor_pushes_a_prompt_to_every_attendee_and_a_second_push_updates_it(workshop_people) -> None:
    instructor, workshop, attendees = workshop_people
    prompt_id = prompts.create_prompt(instructor, EXPLAIN).prompt.id
    assert prompts.push_to_workshop(instructor, prompt_id, workshop.id) == 2
    for attendee in attendees:
        (copy,) = prompts.list_prompts(attendee)
        assert copy.creator_id == attendee.id and copy.source_id == prompt_id
        assert prompts.get_prompt(attendee, copy.id).editable

    prompts.save_prompt(instructor, prompt_id, PromptDraft("Explain", "Explain {{topic}} again."))
    remove_attendee(instructor, workshop.id, attendees[1].id)
    assert prompts.push_to_workshop(instructor, prompt_id, workshop.id) == 1
    (copy,) = prompts.list_prompts(attendees[0])
    latest = prompts.get_prompt(attendees[0], copy.id)
    assert latest.version.number == 2 and latest.version.body == "Explain {{topic}} again."


def test_only_the_workshops_instructor_may_push(workshop_people) -> None:
    _, workshop, (attendee, _) = workshop_people
    other_instructor = actor_of(make_user(Role.INSTRUCTOR, "elsewhere"))
    prompt_id = prompts.create_prompt(attendee, PromptDraft("Mine", "Hello")).prompt.id
    with pytest.raises(Forbidden):
        prompts.push_to_workshop(attendee, prompt_id, workshop.id)
    own = prompts.create_prompt(other_instructor, PromptDraft("Theirs", "Hello")).prompt.id
    with pytest.raises(Forbidden):
        prompts.push_to_workshop(other_instructor, own, workshop.id)
