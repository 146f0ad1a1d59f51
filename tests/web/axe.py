"""axe-core in the page under test: WCAG 2.2 A and AA, as GOV.UK Frontend checks itself.

The engine is node_modules/axe-core/axe.min.js, which scripts/setup installs from
package-lock.json. It is evaluated through the browser's debugging protocol, which the
pages' Content Security Policy does not govern, so the pages are checked with their
real policy in force. Every result is kept for the summary at the end of the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return {
    violations: results.violations.map((rule) => ({
      id: rule.id,
      impact: rule.impact,
      help: rule.help,
      nodes: rule.nodes.map((node) => ({target: node.target, html: node.html,
                                        summary: node.failureSummary})),
    })),
    passes: results.passes.length,
    incomplete: results.incomplete.map((rule) => rule.id),
  };
}"""


@dataclass(frozen=True)
class AxeResult:
    """What axe found on one page."""

    title: str
    url: str
    violations: tuple[dict[str, Any], ...]
    passes: int
    incomplete: tuple[str, ...]


AXE_RESULTS: list[AxeResult] = []


@cache
def axe_source() -> str:
    """The engine's source, read once."""
    if not AXE_JS.is_file():
        raise AssertionError(f"{AXE_JS} is missing: scripts/setup installs it (npm ci)")
    return AXE_JS.read_text()


async def assert_accessible(page: Page) -> AxeResult:
    """Run axe on the page as it is now; fail, printing each violation, unless none."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(axe_source())
    found = await page.evaluate(_RUN, list(WCAG_TAGS))
    result = AxeResult(
        title=await page.title(),
        url=page.url,
        violations=tuple(found["violations"]),
        passes=int(found["passes"]),
        incomplete=tuple(found["incomplete"]),
    )
    AXE_RESULTS.append(result)
    if result.violations:
        report = json.dumps(list(result.violations), indent=2)
        print(f"axe found violations on {result.title!r} ({result.url}):\n{report}")
    assert result.violations == (), f"axe: {len(result.violations)} violations on {result.title}"
    return result
