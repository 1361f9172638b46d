"""The repository documents itself: every relative link in the README, docs/ and
examples/ resolves to a file in the repository (a clone has nothing outside it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").rglob("*.md")]
)
# [text](target) and <a href="target">, outside code spans.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)|href=\"([^\"]+)\"")


def _links(document: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", document.read_text(), flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    return [a or b for a, b in LINK.findall(text)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(document):
    for target in _links(document):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # another site, or an anchor on the same page
        path = (document.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{target} leaves the repository"
        assert path.exists(), f"{document.name}: {target} does not exist"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_document_points_outside_the_clone(document):
    assert "../shared" not in document.read_text()


def test_the_formats_and_semantics_are_documented_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "docs/semantics.md" in readme and "docs/bundle-format.md" in readme
    for name in ("semantics.md", "bundle-format.md"):
        assert (ROOT / "docs" / name).stat().st_size > 2000
