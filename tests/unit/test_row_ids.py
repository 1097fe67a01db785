"""`saved_id`: the key of a flushed row, and a clear error instead of a None passed on."""

import pytest

from workshop_app.db.row_ids import saved_id
from workshop_app.db.users import User


def test_a_saved_row_gives_its_key() -> None:
    assert saved_id(User(id=7, username="ada", display_name="Ada")) == 7


def test_a_row_never_flushed_is_refused_by_name() -> None:
    with pytest.raises(RuntimeError, match="User has no id yet"):
        saved_id(User(username="ada", display_name="Ada"))
