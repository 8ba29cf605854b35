"""A title in title marks (书名号) in qm's own sentences: 《…》 around it, and the title's own 《》 made the inner
kind 〈〉, as Chinese writes a title inside a title (《读懂〈质量强国建设纲要〉》, not 《读懂《质量强国建设纲要》》)."""

from __future__ import annotations

INNER = str.maketrans({"《": "〈", "》": "〉"})


def book_title(title: str) -> str:
    """`title` as 《title》; a title that is one 《…》 already stays as it is."""
    title = title.strip()
    if title.startswith("《") and title.endswith("》") and "《" not in title[1:-1] and "》" not in title[1:-1]:
        return title
    return f"《{title.translate(INNER)}》"
