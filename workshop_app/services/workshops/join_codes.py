"""Join codes people can read off a projector and type without mistakes: `blue-otter-42`.

Words are short, common and distinct; no digits 0/1 lookalikes in the words.
40 x 40 x 90 = 144,000 codes; failed guesses are throttled per address.
"""

from __future__ import annotations

import re
import secrets

ADJECTIVES = (
    "amber",
    "azure",
    "bold",
    "brave",
    "bright",
    "calm",
    "clever",
    "cosy",
    "crisp",
    "eager",
    "fancy",
    "fast",
    "fuzzy",
    "gentle",
    "golden",
    "green",
    "happy",
    "jolly",
    "keen",
    "kind",
    "lucky",
    "merry",
    "mighty",
    "misty",
    "noble",
    "plucky",
    "proud",
    "quick",
    "quiet",
    "rapid",
    "red",
    "rosy",
    "shiny",
    "silver",
    "sunny",
    "swift",
    "tidy",
    "vivid",
    "warm",
    "witty",
)
ANIMALS = (
    "badger",
    "beaver",
    "bison",
    "camel",
    "crane",
    "dingo",
    "dolphin",
    "eagle",
    "falcon",
    "ferret",
    "gecko",
    "heron",
    "hippo",
    "ibis",
    "koala",
    "lemur",
    "llama",
    "lynx",
    "marmot",
    "moose",
    "newt",
    "ocelot",
    "orca",
    "otter",
    "owl",
    "panda",
    "parrot",
    "pelican",
    "penguin",
    "puffin",
    "quokka",
    "rabbit",
    "raven",
    "robin",
    "seal",
    "sloth",
    "tapir",
    "tiger",
    "walrus",
    "zebra",
)
CODE = re.compile(r"^[a-z]+-[a-z]+-[0-9]{2}$")


def new_join_code() -> str:
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(ANIMALS)}-{secrets.randbelow(90) + 10}"


def normalize_join_code(text: str) -> str:
    """What people type (`Blue Otter 42`, ` blue-otter-42 `) in the stored form."""
    return "-".join(re.split(r"[\s_-]+", text.strip().lower()))


def looks_like_join_code(code: str) -> bool:
    return bool(CODE.match(code))
