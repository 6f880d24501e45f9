"""The cue lexicon: no cue counted twice, and the literal prefilter never hides a match."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.core import lexicon
from bot.core.ticket_training import load_corpus
from bot.core.tickets import normalise, required_literals

CUE_LISTS: dict[str, tuple[str, ...]] = {
    **{f"moment {mot.value}": tuple(p for p, _ in cues) for mot, cues in lexicon.MOT_CUES.items()},
    **{f"theme {theme}": patterns for theme, patterns in lexicon.THEME_CUES.items()},
    "negative": lexicon.NEGATIVE,
    "positive": lexicon.POSITIVE,
}
PREFILTERED = sorted(
    {p for cues in lexicon.MOT_CUES.values() for p, _ in cues}
    | {p for patterns in lexicon.THEME_CUES.values() for p in patterns}
)


@pytest.mark.parametrize("name", CUE_LISTS)
def test_no_cue_appears_twice_in_one_list(name: str) -> None:
    # A repeated moment cue doubles its weight by accident; elsewhere it is dead weight.
    repeated = [p for p, n in Counter(CUE_LISTS[name]).items() if n > 1]
    assert not repeated, f"{name}: {repeated}"


def test_every_cue_compiles_and_is_written_as_normalised_text() -> None:
    # Cues match normalised text: an upper-case letter or an umlaut would never match.
    for patterns in CUE_LISTS.values():
        for pattern in patterns:
            re.compile(pattern)
            plain = re.sub(r"\\.", "", pattern)  # escapes such as \W and \B are syntax
            assert not re.search("[A-ZÄÖÜäöüß]", plain), pattern


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        ("newsletter", ("newsletter",)),
        (r"your ads?\b", ("your ad",)),  # an optional letter ends the run
        (r"advert(?!ised)", ("advert",)),  # a lookahead takes up no text
        (r"\bsms\b", ("sms",)),
        (r"(stern|sterne)", ("stern",)),  # "sterne" is found through "stern"
        (r"(a |the )?quote\b", ("quote",)),
        (r"\w*forum", ("forum",)),
        (r"where is my (order|package|parcel)", ("where is my ",)),
        (
            r"text messages|\bsms\b|push notifications",
            ("text messages", "sms", "push notifications"),
        ),
        (r"(\d+|two|three) e-?mails (a|per) (day|week)", ("mails ",)),
        (r"(abc)+d", ("abc",)),  # repeated at least once
        (r"(abc)*def", ("def",)),  # may be absent
        (r"(abc){2,}x", ("abc",)),
        (r"(abc){0,2}x", None),
        (r"(abc|de)fg", None),  # "de" is too short to look up, so the group says nothing
        (r"[abc]def", ("def",)),
        (r"ab[c]de", None),
        (r"a\.b\-c", ("a.b-c",)),
        (r"(?P<word>abc)", ("abc",)),
        (r"ab", None),
        (r"(?i)abc", None),  # flags change what matches: unknown
        (r"abc\1", None),
        (r"a{", None),
    ],
)
def test_required_literals_reads_the_lexicon_syntax(
    pattern: str, literals: tuple[str, ...] | None
) -> None:
    assert required_literals(pattern) == literals


def test_every_match_of_a_cue_contains_one_of_its_literals() -> None:
    # The prefilter runs a cue only when one of its literals is in the ticket: a
    # match without one would be lost. Checked at every place a cue matches in
    # the corpus, overlapping matches too, the tickets joined into one text
    # (normalised text holds no line break, and no cue crosses one).
    corpus = "\n".join(normalise(ticket.text) for ticket in load_corpus())
    unsound = []
    indexed = 0
    for pattern in PREFILTERED:
        literals = required_literals(pattern)
        if literals is None:
            continue
        indexed += 1
        assert min(len(text) for text in literals) >= 3, pattern
        # Without its leading \b a cue is found fast; each place is then tried as the cue.
        anywhere, as_cue = re.compile(pattern), re.compile(rf"\b(?:{pattern})")
        place = anywhere.search(corpus)
        while place:
            match = as_cue.match(corpus, place.start())
            if match:
                assert "\n" not in match.group(0), pattern
                if not any(literal in match.group(0) for literal in literals):
                    unsound.append((pattern, literals, match.group(0)))
            place = anywhere.search(corpus, place.start() + 1)
    assert not unsound
    assert indexed >= 0.9 * len(PREFILTERED)  # the prefilter still spares most searches
