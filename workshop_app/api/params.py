"""Bounds for the numbers the REST API reads, so a huge number is a 422 with a sentence, not a database error.

Row ids and stored counts are 32-bit integer columns on PostgreSQL (and 64-bit on
SQLite): a larger number cannot name a row or be stored, so it is refused up front.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_STORED_INT = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_STORED_INT, description="The item's id.")]
RowIds = Annotated[list[Annotated[int, Field(ge=1, le=MAX_STORED_INT)]], Query(default_factory=list)]
StoredCount = Annotated[int, Field(ge=1, le=MAX_STORED_INT)]
