"""The style sheets parse as their author meant: every block closed where it was opened.

A rule left open swallows whatever follows it (once, the account pages' rules ended up inside
a wide-screen-only ``@media`` block and were lost on phones); browsers say nothing."""

import re
from pathlib import Path

import pytest

CSS = sorted((Path(__file__).parents[2] / "static" / "css").glob("*.css"))


def unclosed_blocks(text: str) -> list[str]:
    """The selectors of the blocks still open at the end (comments and strings aside), or
    a note of a ``}`` that closes nothing."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", '""', text)
    opened: list[str] = []
    start = 0
    for match in re.finditer(r"[{}]", text):
        if match.group() == "{":
            opened.append(" ".join(text[start : match.start()].split())[-80:])
        elif not opened:
            return [f"a '}}' closing nothing at offset {match.start()}"]
        else:
            opened.pop()
        start = match.end()
    return opened


@pytest.mark.parametrize("sheet", CSS, ids=lambda path: path.name)
def test_every_block_is_closed(sheet):
    assert unclosed_blocks(sheet.read_text(encoding="utf-8")) == []


def test_the_check_sees_an_open_block():
    assert unclosed_blocks("@media (min-width: 40rem) { a { color: red; }\n b { }") == [
        "@media (min-width: 40rem)"
    ]
    assert unclosed_blocks("a { content: '}'; }") == []
