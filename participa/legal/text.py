"""A document's plain text as blocks to draw: headings (``#``, ``##``), lists (lines that
start with ``-``) and paragraphs (separated by a blank line). Nothing here is HTML: the
template escapes every word, so an administrator's ``<script>`` shows as text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    kind: str  # "h1", "h2", "list" or "p"
    text: str = ""
    items: tuple[str, ...] = field(default_factory=tuple)


def _joined(lines: list[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())


def blocks(body: str) -> list[Block]:
    """The blocks of ``body``, in order."""
    out: list[Block] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close() -> None:
        if paragraph:
            out.append(Block("p", _joined(paragraph)))
            paragraph.clear()
        if items:
            out.append(Block("list", items=tuple(items)))
            items.clear()

    for raw in body.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("## "):
            close()
            out.append(Block("h2", line[3:].strip()))
        elif line.startswith("# "):
            close()
            out.append(Block("h1", line[2:].strip()))
        elif line.startswith(("- ", "* ")):
            if paragraph:
                close()
            items.append(line[2:].strip())
        elif items and raw.startswith((" ", "\t")):
            items[-1] = f"{items[-1]} {line}"  # an item continued on the next line
        else:
            if items:
                close()
            paragraph.append(line)
    close()
    return out


def title(body: str, fallback: str) -> str:
    """The first heading of ``body``, else ``fallback``."""
    for block in blocks(body):
        if block.kind in ("h1", "h2"):
            return block.text
    return fallback
