"""Remedy codes a rule compares ``remedy`` with that no remedy type has
(``remedy == "goodwil"`` never matches: the rule would silently never fire).

``policies`` never imports ``cases``: the caller hands in the known codes.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass

from policies.expressions import expression_tokens

REMEDY_NAMES = frozenset({"remedy", "remedy_type"})
_COMPARISONS = frozenset({"==", "!="})


@dataclass(frozen=True)
class UnknownRemedyCode:
    code: str
    suggestion: str | None
    line: int
    column: int

    @property
    def sentence(self) -> str:
        hint = f" Did you mean “{self.suggestion}”?" if self.suggestion else ""
        return (
            f"Line {self.line}, column {self.column}: no remedy type has the code "
            f"“{self.code}”, so this comparison never matches.{hint}"
        )


def _literal(text: str) -> str | None:
    body = text.lstrip("rR")
    if body[:1] not in "\"'" or body.lstrip("bB") != body:
        return None  # bytes, or not a string
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    return body[len(quote) : -len(quote)]


def unknown_remedy_codes(source: str, known: Collection[str]) -> list[UnknownRemedyCode]:
    """String literals compared with ``remedy`` (``==``, ``!=``, either side, or in a
    list after ``remedy in``) that are not in ``known``, with the closest known code."""
    tokens = expression_tokens(source)
    found: list[tuple[str, int]] = []
    for i, token in enumerate(tokens):
        if token.kind != "ident" or token.text not in REMEDY_NAMES:
            continue
        if i and tokens[i - 1].text == ".":
            continue  # a field of something else
        after = tokens[i + 1 : i + 4]
        before = tokens[max(i - 3, 0) : i]
        # remedy == "x"  (the operator is two one-character tokens)
        if (
            len(after) >= 3
            and after[0].text + after[1].text in _COMPARISONS
            and after[2].kind == "string"
        ):
            found.append((after[2].text, after[2].offset))
        # "x" == remedy
        if (
            len(before) == 3
            and before[1].text + before[2].text in _COMPARISONS
            and before[0].kind == "string"
        ):
            found.append((before[0].text, before[0].offset))
        # remedy in ["x", "y"]
        if after and after[0].text == "in" and len(after) >= 2 and after[1].text == "[":
            for item in tokens[i + 3 :]:
                if item.text == "]":
                    break
                if item.kind == "string":
                    found.append((item.text, item.offset))
    out = []
    for text, offset in found:
        code = _literal(text)
        if code is None or code in known:
            continue
        close = difflib.get_close_matches(code, list(known), n=1, cutoff=0.5)
        line = source.count("\n", 0, offset) + 1
        column = offset - (source.rfind("\n", 0, offset) + 1) + 1
        out.append(UnknownRemedyCode(code, close[0] if close else None, line, column))
    return out
