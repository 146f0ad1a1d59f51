"""Parameter types the routes share, each refusing exactly what its schema says it refuses."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field

ISO_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_DATE = re.compile(ISO_DATE_PATTERN)
DATE_RULE = "must be a date written YYYY-MM-DD, e.g. 2018-07-04"


def _written_as_a_date(value: object) -> object:
    # Left to itself pydantic reads "0" or "1530662400" in a query as a Unix time and
    # "2018-07-04T00:00" as a date; a calendar day is written one way only.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError(DATE_RULE)
    return value


CalendarDate = Annotated[
    date,
    BeforeValidator(_written_as_a_date),
    Field(json_schema_extra={"pattern": ISO_DATE_PATTERN}),
]
"""A calendar day in a query, written YYYY-MM-DD and nothing else."""
