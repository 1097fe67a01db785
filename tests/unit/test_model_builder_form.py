"""The builder form's text becomes a recipe: numbers parsed, empty fields left to the base, examples paired."""

from __future__ import annotations

import pytest

from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.models.builder import parameters_from_fields
from workshop_app.services.models.recipes import Recipe
from workshop_app.state.model_builder_state import ExamplePair, _form_of, _messages, _pairs_of


def test_fields_become_parameters_and_empty_ones_stay_with_the_base() -> None:
    fields = {"temperature": "0.7", "top_k": "40", "num_ctx": "", "seed": " 7 "}
    assert parameters_from_fields(fields, "<END>, ###") == {
        "temperature": 0.7,
        "top_k": 40,
        "seed": 7,
        "stop": ["<END>", "###"],
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"top_k": "4.5"}, "top_k must be a whole number"), ({"temperature": "warm"}, "temperature must be a number")],
)
def test_text_that_is_not_a_number_is_named(fields: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parameters_from_fields(fields)


def test_examples_round_trip_through_the_form() -> None:
    pairs = [ExamplePair("Hi", "Arr!"), ExamplePair("", ""), ExamplePair("Who are you?", "A pirate.")]
    messages = _messages(pairs)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    recipe = Recipe("p:v1", "llama3.2:1b", "Be a pirate.", "", {"temperature": 0.2, "stop": ["<END>"]}, messages)
    assert _pairs_of(recipe) == [pairs[0], pairs[2]]
    form = _form_of(recipe)
    assert (form["name"], form["temperature"], form["stop"], form["top_k"]) == ("p:v1", "0.2", "<END>", "")
