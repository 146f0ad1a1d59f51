"""The JSON bodies in ``examples/``, written from the seed cases (``python -m devtools examples``).

The README's CLI session sends these files (``forum request create --file
examples/middlesbrough-draft.json``, ...). They are made from ``devtools.seeds``, never
edited by hand, so the session and the tests drive the same Middlesbrough case;
tests/foundation/test_examples.py fails while a committed file differs from what the
seeds give. Each file holds what the API needs: the fields left at their defaults are
left out, and the draft names no author (the officer who creates it is its author).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from devtools import seeds

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
"""Where the repository keeps them."""


def _body(model: BaseModel, *, exclude: frozenset[str] = frozenset()) -> str:
    fields = model.model_dump(mode="json", exclude_defaults=True, exclude=set(exclude))
    return json.dumps(fields, indent=2, ensure_ascii=False) + "\n"


def example_files() -> dict[str, str]:
    """Each example's file name and the text it should hold."""
    return {
        "middlesbrough-draft.json": _body(
            seeds.middlesbrough_draft(), exclude=frozenset({"author_id"})
        ),
        "option-centrally-retained.json": _body(seeds.CENTRALLY_RETAINED),
        "option-schools-block.json": _body(seeds.SCHOOLS_BLOCK),
        "membership.json": _body(seeds.MEMBERSHIP),
        "minute.json": _body(seeds.middlesbrough_minute()),
        "evaluation.json": _body(seeds.EVALUATION),
    }


def write_examples(directory: Path = EXAMPLES_DIR) -> Mapping[str, str]:
    """Write every example into ``directory``; the files written, by name."""
    directory.mkdir(parents=True, exist_ok=True)
    files = example_files()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return files
