"""Every REST and gateway operation fuzzed from the OpenAPI document: no input gets a server error.

Schemathesis generates requests that fit each operation's schema and requests that do
not (wrong types, out-of-range numbers, missing fields), sent with an admin's and an
attendee's API key to the API served on a real socket, against the Ollama fake. Fixed
seed and a bounded number of examples per operation, so the run is the same every time
and fits in CI; raise FUZZ_EXAMPLES locally for a deeper search.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import bearer
from tests.support.api_server import api_server
from workshop_app.api import build_api
from workshop_app.db.users import Role

FUZZ_EXAMPLES = 20
FUZZ_SEED = 20261204
SCHEMA = schemathesis.openapi.from_dict(build_api().openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@dataclass
class ServerErrors:
    found: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def served(migrated_database: str) -> Iterator[str]:
    with api_server() as url:
        yield url


@pytest.fixture
def fuzz_fake(fake_ollama: FakeOllama) -> FakeOllama:
    """The fake answers unknown pulls quickly instead of streaming for seconds."""
    fake_ollama.config.unknown_pulls_fail = True
    return fake_ollama


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_request_gets_a_server_error(
    served: str, fuzz_fake: FakeOllama, operation: schemathesis.APIOperation
) -> None:
    keys = {role: bearer(role) for role in (Role.ADMIN, Role.ATTENDEE)}
    errors = ServerErrors()
    session = requests.Session()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategy = operation.as_strategy(generation_mode=mode)

        @seed(FUZZ_SEED)
        @settings(
            max_examples=FUZZ_EXAMPLES,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def probe(case: schemathesis.Case) -> None:
            for role, headers in keys.items():
                response = case.call(base_url=served, session=session, headers=headers, timeout=30)
                if response.status_code >= 500:
                    errors.found.append(
                        f"{response.status_code} as {role}: {case.as_curl_command(headers=headers)}"
                        f"\n  -> {response.text[:300]}"
                    )

        try:
            probe()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, "an operation without inputs has no invalid request"
    assert not errors.found, "\n".join(errors.found[:5])
