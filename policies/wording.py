"""CEL's parser messages (ANTLR's "mismatched input '<EOF>' expecting {...}") as one
plain sentence for the admin who wrote the rule. Only the first error is kept: the
ones after it are usually echoes of the first."""

from __future__ import annotations

import re

_WORDS = {"and": "&&", "or": "||", "not": "!"}

_MISMATCHED = re.compile(r"^mismatched input '(.*)' expecting (.*)$", re.S)
_EXTRANEOUS = re.compile(r"^extraneous input '(.*)' expecting (.*)$", re.S)
_MISSING = re.compile(r"^missing '(.*)' at '(.*)'$", re.S)
_TOKEN_ERROR = re.compile(r"^token recognition error at: '(.*)'$", re.S)


def parse_error_sentence(detail: str) -> str:
    """A sentence for one parser message (without its "Syntax error: " prefix); the
    message itself when it is not one of the kinds known here."""
    detail = detail.strip()
    if match := _MISMATCHED.match(detail):
        found, expecting = match.groups()
        if found == "<EOF>":
            return "the expression stops too early: something is missing at the end."
        if found in _WORDS:
            return f"CEL does not know “{found}”: write {_WORDS[found]} instead."
        if expecting.strip() == "<EOF>":
            return f"“{found}” comes after what looks like a complete expression."
        return f"“{found}” cannot come here."
    if match := _EXTRANEOUS.match(detail):
        found, expecting = match.groups()
        if found in _WORDS:
            return f"CEL does not know “{found}”: write {_WORDS[found]} instead."
        if expecting.strip() == "<EOF>":
            if found in ")]}":
                return f"this “{found}” closes a bracket that was never opened."
            return f"“{found}” comes after what looks like a complete expression."
        return f"“{found}” cannot come here."
    if match := _MISSING.match(detail):
        missing, at = match.groups()
        where = "at the end" if at == "<EOF>" else f"before “{at}”"
        if missing in ")]}":
            return f"a “{missing}” is missing {where}: a bracket is opened but never closed."
        return f"a “{missing}” is missing {where}."
    if match := _TOKEN_ERROR.match(detail):
        text = match.group(1)
        if text[:1] in "\"'":
            return f"a quoted text is never closed: add a closing {text[0]}."
        if text.startswith("="):
            return "a single “=” is not a comparison: write == (or != for “is not”)."
        if text.startswith("&"):
            return "a single “&” is not an operator: write && (and both)."
        if text.startswith("|"):
            return "a single “|” is not an operator: write || (either)."
        return f"CEL does not know the symbol “{text.strip()}”."
    return detail
