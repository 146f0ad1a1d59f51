"""The JSON bodies in examples/ are the seed cases as `python -m devtools examples` writes them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devtools.examples import EXAMPLES_DIR

ROOT = Path(__file__).resolve().parents[2]


def test_committed_examples_are_what_the_seeds_write(tmp_path: Path) -> None:
    """Writing the examples afresh gives the committed files byte for byte, and no others."""
    completed = subprocess.run(
        [sys.executable, "-m", "devtools", "examples", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    written = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    committed = {path.name: path.read_bytes() for path in EXAMPLES_DIR.iterdir()}
    assert sorted(written) == sorted(committed)
    stale = [name for name in written if written[name] != committed[name]]
    assert not stale, f"run `python -m devtools examples` to rewrite {stale}"
