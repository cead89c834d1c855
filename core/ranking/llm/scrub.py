"""Keep an API key out of every message: scrubbing that does not depend on the key's format.

A server's error message may quote the key whole, cut (``AbCd****5678wxyz``) or wrapped in other
text, and keys come in many formats (``sk-…``, ``gsk_…``, a bare hex token of a local proxy). So
:func:`scrub` masks the exact key and every stretch of the text that is a piece of it at least
:data:`MIN_FRAGMENT` characters long, then anything shaped like an OpenAI key or a bearer token.
"""

from __future__ import annotations

import re

MIN_FRAGMENT = 8
"""The shortest piece of the key that counts as a leak (shorter pieces are everywhere in normal text)."""
MASK = "***"
_SHAPED = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{3,}|(?<=Bearer )\S+", re.IGNORECASE)


def scrub(text: str, secret: str | None) -> str:
    """``text`` with ``secret``, any piece of it of :data:`MIN_FRAGMENT`+ characters and key-shaped tokens masked."""
    if secret:
        text = text.replace(secret, MASK)
        spans = _fragment_spans(text, secret)
        for start, end in reversed(spans):
            text = text[:start] + MASK + text[end:]
    return _SHAPED.sub(MASK, text)


def _fragment_spans(text: str, secret: str) -> list[tuple[int, int]]:
    """Merged spans of ``text`` covered by a ``MIN_FRAGMENT``-character piece of ``secret``."""
    if len(secret) < MIN_FRAGMENT:
        return []
    pieces = {secret[i:i + MIN_FRAGMENT] for i in range(len(secret) - MIN_FRAGMENT + 1)}
    covered = [False] * len(text)
    for i in range(len(text) - MIN_FRAGMENT + 1):
        if text[i:i + MIN_FRAGMENT] in pieces:
            covered[i:i + MIN_FRAGMENT] = [True] * MIN_FRAGMENT
    spans: list[tuple[int, int]] = []
    for i, hit in enumerate(covered):
        if hit and (not spans or spans[-1][1] != i):
            spans.append((i, i + 1))
        elif hit:
            spans[-1] = (spans[-1][0], i + 1)
    return spans
