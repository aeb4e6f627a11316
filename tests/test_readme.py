"""The README's first lines tell a newcomer what the demo needs of their system before anything fails."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_says_first_that_pdfs_need_pango_and_security_keys_need_localhost():
    opening = "\n".join(README.read_text(encoding="utf-8").splitlines()[:25])
    assert "Pango" in opening and "WeasyPrint" in opening
    assert "localhost" in opening and "security keys" in opening
