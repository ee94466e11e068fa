"""The plain-language check: phrases that sound official, blaming or hiding behind rules,
each with a plainer way to say it. Pure Python (no Django), so it is tested table-driven.

Offsets are indexes into the Python string: Unicode code points, ``end`` exclusive
(``body[start:end] == phrase``). Matching is case-insensitive, accepts straight and curly
apostrophes and any run of whitespace between words. Where two phrases overlap, the one
that starts first wins, and of two starting together the longer: findings never overlap,
so each can be replaced on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A body longer than this is refused (the API answers 400): a customer message is far
# shorter, and the check must stay cheap as the agent types.
BODY_MAX_LENGTH = 20_000

_APOS = "['\u2019]"
_S = r"\s+"


def _words(*parts: str) -> str:
    return _S.join(parts)


@dataclass(frozen=True)
class Phrase:
    code: str
    pattern: re.Pattern[str]
    suggestion: str

    @property
    def replacement(self) -> str:
        """What "use this" puts in the phrase's place: the suggestion's example (the text
        in “quotes”), or nothing where the advice is to leave it out."""
        match = _QUOTED.search(self.suggestion)
        return match.group(1) if match else ""


_QUOTED = re.compile("\u201c([^\u201d]*)\u201d")


def _phrase(code: str, regex: str, suggestion: str) -> Phrase:
    return Phrase(code, re.compile(rf"\b{regex}\b", re.IGNORECASE), suggestion)


WHAT_I_CAN_DO = "Say what you can do and why, e.g. “Here's what I can do: …”"

PHRASES: tuple[Phrase, ...] = (
    _phrase(
        "our_policy",
        rf"(?:it{_APOS}?s|it{_S}is|that{_APOS}?s|that{_S}is){_S}(?:our|company|the){_S}polic(?:y|ies)",
        WHAT_I_CAN_DO,
    ),
    _phrase(
        "per_policy", rf"(?:as{_S})?per{_S}(?:our|company|the){_S}polic(?:y|ies)", WHAT_I_CAN_DO
    ),
    _phrase(
        "due_to_policy",
        rf"due{_S}to{_S}(?:company|our){_S}polic(?:y|ies)",
        "Give the real reason in plain words, e.g. “We can't …, because …”",
    ),
    _phrase(
        "unfortunately_unable",
        rf"unfortunately,?{_S}we{_S}(?:are{_S}unable|cannot|can{_APOS}?t|can{_S}not|are{_S}not{_S}able)",
        "Lead with what you can do, e.g. “I can't …, but I can …”",
    ),
    _phrase(
        "at_this_time_unable",
        rf"at{_S}this{_S}(?:time|moment),?{_S}we{_S}(?:are{_S}unable|cannot|can{_APOS}?t|can{_S}not)",
        "Say when and what instead, e.g. “Right now I can't …; here's what I can do: …”",
    ),
    _phrase(
        "not_in_a_position",
        rf"we{_S}are{_S}not{_S}in{_S}a{_S}position{_S}to",
        "Say it as a person, e.g. “I can't …, but I can …”",
    ),
    _phrase(
        "per_terms",
        rf"(?:as{_S})?per{_S}(?:our|the){_S}terms(?:{_S}(?:and|&){_S}conditions)?",
        "Explain the rule in one sentence, e.g. “Our terms say …, which means …”",
    ),
    _phrase("kindly_note", _words("kindly", "note"), "Just say it, e.g. “Just so you know, …”"),
    _phrase(
        "please_be_advised",
        _words("please", "be", "advised"),
        "Leave it out and say the thing itself.",
    ),
    _phrase(
        "regret_to_inform",
        _words("we", "regret", "to", "inform", "you"),
        "Say it kindly and directly, e.g. “I'm sorry to say …”",
    ),
    _phrase(
        "any_inconvenience",
        rf"we{_S}apologi[sz]e{_S}for{_S}any{_S}inconvenience"
        rf"(?:{_S}(?:this|that){_S}(?:may{_S}have{_S}|has{_S})?caused)?",
        "Name what went wrong, e.g. “I'm sorry your order arrived a week late.”",
    ),
    _phrase(
        "rest_assured",
        _words("rest", "assured"),
        "Say what you will do, e.g. “I'll …, and I'll tell you when it's done.”",
    ),
    _phrase(
        "as_previously_stated",
        rf"as{_S}(?:previously|already){_S}(?:stated|mentioned|advised|explained)",
        "Repeat it kindly, e.g. “To recap, …”",
    ),
    _phrase(
        "per_my_last",
        rf"per{_S}my{_S}(?:last|previous){_S}(?:email|e-mail|message)",
        "Just say it again, e.g. “As I mentioned, …”",
    ),
    _phrase(
        "has_been_escalated",
        rf"your{_S}(?:request|case|ticket|complaint){_S}has{_S}been{_S}escalated",
        "Say who is looking at it and when they will hear, e.g. “I've asked a supervisor "
        "to approve this; you'll hear from me by …”",
    ),
    _phrase(
        "beyond_our_control",
        rf"(?:this|that|it){_S}(?:is|was){_S}(?:out{_S}of|beyond){_S}our{_S}control",
        "Own it, e.g. “This went wrong on our side, and here's what I'm doing about it.”",
    ),
    _phrase(
        "system_does_not_allow",
        rf"the{_S}system{_S}(?:does{_S}not|doesn{_APOS}?t|won{_APOS}?t|will{_S}not){_S}allow",
        "Don't blame the system, e.g. “I can't do that here, but I can …”",
    ),
    _phrase(
        "security_reasons",
        rf"for{_S}(?:security|legal|compliance){_S}reasons",
        "Say the actual reason, e.g. “To keep your account safe, …”",
    ),
    _phrase(
        "patience_and_understanding",
        _words("thank", "you", "for", "your", "patience", "and", "understanding"),
        "Thank them for something real, e.g. “Thanks for waiting while I sorted this out.”",
    ),
    _phrase(
        "do_not_hesitate",
        rf"(?:please{_S})?(?:do{_S}not|don{_APOS}?t){_S}hesitate{_S}to{_S}(?:contact|reach{_S}out{_S}to){_S}us",
        "Make it easy, e.g. “If anything else comes up, just reply to this email.”",
    ),
    _phrase(
        "value_your_business",
        rf"we{_S}value{_S}your{_S}(?:business|custom|patronage)",
        "Say something true and specific, or leave it out.",
    ),
    _phrase(
        "we_are_unable",
        rf"we{_S}are{_S}unable{_S}to",
        "Say what you can do, e.g. “I can't …, but I can …”",
    ),
)


@dataclass(frozen=True)
class Finding:
    phrase: str  # the text as written in the body
    start: int
    end: int  # exclusive
    suggestion: str
    code: str
    replacement: str


def findings_of(body: str) -> list[Finding]:
    """Every official-sounding phrase in ``body``, in order, none overlapping."""
    candidates = [
        (match.start(), -(match.end() - match.start()), match.end(), phrase)
        for phrase in PHRASES
        for match in phrase.pattern.finditer(body)
    ]
    candidates.sort(key=lambda c: (c[0], c[1]))
    found: list[Finding] = []
    taken_until = 0
    for start, _, end, phrase in candidates:
        if start < taken_until:
            continue  # overlaps one already kept (which started earlier or is longer)
        found.append(
            Finding(body[start:end], start, end, phrase.suggestion, phrase.code, phrase.replacement)
        )
        taken_until = end
    return found
