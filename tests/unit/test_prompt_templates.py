"""Filling `{{variables}}`: found in order, filled exactly, refused when unknown, missing or malformed."""

from __future__ import annotations

import pytest

from workshop_app.services.chat.options import check_options
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.prompts.variables import render, variables


def test_variables_are_listed_once_in_order_of_first_use() -> None:
    assert variables("You are a {{ role }}.", "Explain {{topic}} to a {{role}} in {{words}} words") == [
        "role",
        "topic",
        "words",
    ]
    assert variables("no variables, just {braces}") == []


def test_values_are_inserted_exactly_as_typed() -> None:
    text = "Explain {{topic}} in {{ words }} words. Again: {{topic}}"
    assert (
        render(text, {"topic": "{{words}} & {x}", "words": "20"})
        == "Explain {{words}} & {x} in 20 words. Again: {{words}} & {x}"
    )


def test_an_unknown_variable_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"Unknown variable \{\{tpoic\}\}") as caught:
        render("Explain {{topic}}", {"topic": "tides", "tpoic": "tides"})
    assert "{{topic}}" in caught.value.hint


def test_a_variable_without_a_value_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"Fill in \{\{words\}\}"):
        render("Explain {{topic}} in {{words}} words", {"topic": "tides", "words": "  "})


def test_a_variable_known_to_the_prompt_but_not_this_text_is_fine() -> None:
    assert (
        render("System for {{audience}}", {"audience": "kids", "topic": "tides"}, ["audience", "topic"])
        == "System for kids"
    )


@pytest.mark.parametrize("text", ["Hi {{first name}}", "Hi {{1st}}", "Hi {{}}", "Hi {{name.__class__}}"])
def test_a_malformed_variable_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a valid variable"):
        variables(text)


def test_parameters_are_kept_in_range_and_blank_means_default() -> None:
    assert check_options(
        {"temperature": "0.7", "top_p": 1, "top_k": "40", "num_ctx": "", "seed": None, "num_predict": "-1"}
    ) == {
        "temperature": 0.7,
        "top_p": 1.0,
        "top_k": 40,
        "num_predict": -1,
    }
    with pytest.raises(InvalidInput, match="Seed must be between 0 and 2147483647"):
        check_options({"seed": "-5"})
    with pytest.raises(InvalidInput, match="Unknown parameter 'mirostat'"):
        check_options({"mirostat": "1"})
