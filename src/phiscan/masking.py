"""The one place that turns evidence into what may be printed or written."""
from __future__ import annotations


def mask(evidence: str, entity: str = "") -> str:
    """Keep the shape, hide the content: 'Harold Voss' -> 'H**** V***'."""
    out = []
    for word in evidence.split(" "):
        if not word:
            out.append(word)
            continue
        keep = 1 if word[0].isalnum() or word[0] in "@#" else 1
        if word[0] in "@#" and len(word) > 1:
            keep = 2
        out.append(word[:keep] + "*" * max(1, len(word) - keep))
    return " ".join(out)
