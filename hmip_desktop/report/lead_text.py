"""The lead's narrative text (a small Markdown subset) as report blocks.

Supported, because that is what inspection narrative needs: paragraphs
separated by blank lines, '- ' bullets, '1. ' numbered items, '> ' quotations
(sentencers', victims' comments), '## ' subheadings, '| a | b |' table rows,
**bold** and *italic*. Everything else is literal text: the text is escaped
before markup is added, so nothing in it can inject reportlab paragraph tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

BlockKind = Literal["paragraph", "bullets", "numbered", "quote", "heading", "table"]

_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?![\s*_])(.+?)(?<![\s*_])[*_](?![\w*])")


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    #: Paragraph text (one item), list items, or table cells joined by "\t" per row.
    items: tuple[str, ...]


def inline(text: str) -> str:
    """Plain text -> reportlab paragraph markup, with **bold** and *italic*."""
    marked = escape(" ".join(text.split()))
    marked = _BOLD.sub(r"<b>\1</b>", marked)
    return _ITALIC.sub(r"<i>\1</i>", marked)


def parse(text: str) -> list[Block]:
    blocks: list[Block] = []
    kind: BlockKind | None = None
    items: list[str] = []

    def flush() -> None:
        nonlocal kind, items
        if kind is not None and items:
            blocks.append(Block(kind, tuple(items)))
        kind, items = None, []

    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.rstrip()
        if not line.strip():
            flush()
            continue
        if line.lstrip().startswith("#"):
            flush()
            blocks.append(Block("heading", (line.lstrip("# ").strip(),)))
            continue
        row = _TABLE_ROW.match(line)
        if row:
            if kind != "table":
                flush()
                kind = "table"
            if not _TABLE_RULE.match(line):
                items.append("\t".join(cell.strip() for cell in row.group(1).split("|")))
            continue
        for pattern, list_kind in ((_BULLET, "bullets"), (_NUMBERED, "numbered")):
            match = pattern.match(line)
            if match:
                if kind != list_kind:
                    flush()
                    kind = list_kind  # type: ignore[assignment]
                items.append(match.group(1))
                break
        else:
            if line.lstrip().startswith(">"):
                content = line.lstrip()[1:].strip()
                if kind != "quote":
                    flush()
                    kind = "quote"
                    items.append(content)
                else:
                    items[-1] += " " + content
            elif kind in ("bullets", "numbered") and raw_line[:1].isspace():
                items[-1] += " " + line.strip()  # a wrapped list item
            else:
                if kind != "paragraph":
                    flush()
                    kind = "paragraph"
                    items.append(line.strip())
                else:
                    items[-1] += " " + line.strip()
    flush()
    # Consecutive paragraphs are separate blocks so they can be numbered one by one.
    split: list[Block] = []
    for block in blocks:
        if block.kind == "paragraph":
            split.extend(Block("paragraph", (item,)) for item in block.items)
        else:
            split.append(block)
    return split


def list_items(text: str) -> list[str]:
    """The text as a flat list of items: list entries and paragraphs alike (for strengths lists)."""
    found: list[str] = []
    for block in parse(text):
        if block.kind in ("bullets", "numbered", "paragraph", "quote"):
            found.extend(block.items)
        elif block.kind == "heading":
            found.append(block.items[0])
    return found
