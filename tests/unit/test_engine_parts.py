"""The engine's pure parts: GGUF headers, option checks, tool rendering and parsing (no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.engine import write_tiny_gguf
from workshop_app.engine import tools
from workshop_app.engine.gguf_meta import InvalidGGUF, read_gguf
from workshop_app.engine.options import BadRequest, keep_alive_seconds, response_format, sampling

TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
    },
}


def test_a_gguf_header_gives_what_the_api_reports(tmp_path: Path) -> None:
    info = read_gguf(write_tiny_gguf(tmp_path / "tiny.gguf"))
    assert (info.architecture, info.context_length, info.embedding_length) == ("llama", 1024, 64)
    assert info.parameter_count == 32 * 64 and info.chat_template == "{{ messages }}" and not info.is_embedding


def test_a_truncated_or_foreign_file_is_refused_naming_it(tmp_path: Path) -> None:
    whole = write_tiny_gguf(tmp_path / "tiny.gguf").read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(whole[:-100])
    with pytest.raises(InvalidGGUF, match=r"cut\.gguf.*truncated"):
        read_gguf(cut)
    other = tmp_path / "notes.gguf"
    other.write_text("not a model")
    with pytest.raises(InvalidGGUF, match=r"notes\.gguf.*magic"):
        read_gguf(other)
    header_only = tmp_path / "header.gguf"
    header_only.write_bytes(whole[:30])
    with pytest.raises(InvalidGGUF, match="header.gguf"):
        read_gguf(header_only)


def test_options_map_to_llama_cpp_and_wrong_types_are_refused() -> None:
    assert sampling({"temperature": 0, "num_predict": 5, "stop": "\n", "unknown": 1}) == {
        "temperature": 0.0,
        "n_predict": 5,
        "stop": ["\n"],
    }
    assert sampling({"num_predict": -2})["n_predict"] == -1
    for bad in ({"temperature": "hot"}, {"seed": 1.5}, {"stop": [1]}, {"tool_choice": "always"}, {"num_ctx": 0}):
        with pytest.raises(BadRequest):
            sampling(bad)


def test_keep_alive_and_format_follow_ollama() -> None:
    assert keep_alive_seconds("5m") == 300 and keep_alive_seconds("1h30m") == 5400 and keep_alive_seconds(0) == 0
    assert keep_alive_seconds("-1") == -1 and keep_alive_seconds(None) is None
    with pytest.raises(BadRequest):
        keep_alive_seconds("soon")
    assert response_format("json") == {"response_format": {"type": "json_object"}}
    assert response_format({"type": "object"}) == {"json_schema": {"type": "object"}}
    with pytest.raises(BadRequest):
        response_format("yaml")


def test_tools_are_rendered_for_a_template_without_a_tool_section() -> None:
    messages = [
        {"role": "user", "content": "1+1?"},
        {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "add", "arguments": {"a": 1}}}]},
        {"role": "tool", "content": "2", "tool_name": "add"},
    ]
    rendered = tools.render(messages, [TOOL], "Be brief.")
    assert rendered[0]["role"] == "system" and rendered[0]["content"].startswith("Be brief.")
    assert '"name": "add"' in rendered[0]["content"]
    assert rendered[2]["content"] == '<tool_call>\n{"name": "add", "arguments": {"a": 1}}\n</tool_call>'
    assert rendered[3] == {"role": "user", "content": "Tool result from add: 2\n\nUsing this result, answer: 1+1?"}


def test_calls_of_offered_tools_are_parsed_and_others_left_as_text() -> None:
    text = 'Let me add.\n<tool_call>\n{"name": "add", "arguments": {"a": 2}}\n</tool_call>'
    call = {"function": {"name": "add", "arguments": {"a": 2}}}
    assert tools.parse(text, [TOOL], forced=False) == ("Let me add.", [call])
    unknown = '<tool_call>{"name": "rm", "arguments": {}}</tool_call>'
    assert tools.parse(unknown, [TOOL], forced=False) == (unknown, [])
    forced = tools.parse('{"name": "add", "arguments": {"a": 3}}', [TOOL], forced=True)
    assert forced == ("", [{"function": {"name": "add", "arguments": {"a": 3}}}])
    assert tools.held_back("Sure <tool") == len("<tool") and tools.held_back("Sure.") == 0


def test_the_forced_call_schema_allows_exactly_the_offered_tools() -> None:
    schema = tools.forced_call_schema([TOOL])
    assert schema["properties"]["name"] == {"const": "add"} and schema["properties"]["arguments"]["required"] == ["a"]
    other = {"type": "function", "function": {"name": "sub"}}
    assert len(tools.forced_call_schema([TOOL, other])["oneOf"]) == 2
