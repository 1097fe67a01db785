"""Exercises with automatic checks: an instructor sets a task, attendees submit, a board shows who is done.

An instructor of a workshop writes an exercise (`authoring`): title, markdown instructions,
where to start (an empty playground, a prompt, a tool or a RAG system) and checks. Every
check is validated when saved (a bad regex, schema, unknown tool or document is refused by
name, nothing stored). An attendee of the workshop submits one of their own chat replies or
RAG answers (`submissions`); the checks (`checks`, pure functions) judge it, each saying why
it failed. The workshop's instructors watch the progress board (`board`) and may reveal a
model answer. Attendees see only their own submissions.
"""
