"""A 50-attendee workshop against a running platform: join, list models, chat, ask a RAG system.

Each simulated attendee takes one API key from --keys-file (one per line), opens the join
page and checks who it is, then, at a workshop's pace, lists models, chats (streamed) and
asks the RAG system --rag-system. Run by benchmarks.workshop_load, or by hand:

    locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 2m --host http://127.0.0.1:3000 \\
        --keys-file keys.txt --rag-system 1
"""

from __future__ import annotations

import itertools
import json

from locust import HttpUser, between, events, task

CHAT_MODEL = "llama3.2:1b"
_keys: itertools.cycle[str] | None = None


@events.init_command_line_parser.add_listener
def _options(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--keys-file", required=True, help="API keys, one per line (one per simulated attendee)")
    parser.add_argument("--rag-system", type=int, required=True, help="id of a RAG system every attendee may read")


class Attendee(HttpUser):
    wait_time = between(2, 6)  # reading the reply, typing the next question

    def on_start(self) -> None:
        global _keys
        if _keys is None:
            with open(self.environment.parsed_options.keys_file) as handle:
                _keys = itertools.cycle([line.strip() for line in handle if line.strip()])
        self.client.headers["Authorization"] = f"Bearer {next(_keys)}"
        self.client.get("/join", name="join: open the page")
        self.client.get("/api/v1/me", name="join: who am I")

    @task(2)
    def list_models(self) -> None:
        self.client.get("/ollama/api/tags", name="list models")

    @task(5)
    def chat(self) -> None:
        body = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": "Tell me about llamas"}], "stream": True}
        with self.client.post(
            "/ollama/api/chat", json=body, stream=True, catch_response=True, name="chat (streamed)"
        ) as response:
            lines = [json.loads(line) for line in response.iter_lines() if line]
            if response.status_code != 200 or not lines or not lines[-1].get("done"):
                response.failure(f"status {response.status_code}, {len(lines)} lines")

    @task(2)
    def ask_rag(self) -> None:
        system = self.environment.parsed_options.rag_system
        question = {"question": "What can a llama carry as a pack animal?"}
        with self.client.post(
            f"/api/v1/rag-systems/{system}/answer", json=question, catch_response=True, name="RAG answer"
        ) as response:
            if response.status_code != 200 or not response.json().get("sources"):
                response.failure(f"status {response.status_code}")
