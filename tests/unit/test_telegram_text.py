from __future__ import annotations

import html

import pytest

from bot.adapters.rest import Button
from bot.adapters.telegram_text import (
    CALLBACK_LIMIT,
    TELEGRAM_LIMIT,
    addressed_text,
    callback_data,
    escape_html,
    keyboard,
    safe_file_name,
    split_escaped,
    split_message,
)


def test_short_messages_stay_whole() -> None:
    assert split_message("  Hello there.  ") == ["Hello there."]
    assert split_message("") == []


def test_long_messages_split_at_paragraphs_first() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert split_message(f"{first}\n\n{second}") == [first, second]


def test_then_at_lines_sentences_and_words() -> None:
    lines = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    pieces = split_message(lines)
    assert all(len(p) <= TELEGRAM_LIMIT for p in pieces)
    assert all(p.startswith("line ") for p in pieces)
    sentences = " ".join(f"Sentence {i} is here." for i in range(400))
    assert all(p.endswith(".") for p in split_message(sentences, limit=500))


def test_a_single_huge_word_is_cut_hard_and_nothing_is_lost() -> None:
    word = "z" * 10000
    pieces = split_message(word)
    assert [len(p) for p in pieces] == [4096, 4096, 1808]
    assert "".join(pieces) == word


@pytest.mark.parametrize("limit", [0, -5])
def test_a_limit_must_be_positive(limit: int) -> None:
    with pytest.raises(ValueError):
        split_message("hi", limit=limit)


def test_user_text_cannot_become_markup() -> None:
    assert escape_html("<b>bold</b> & 'quotes'") == "&lt;b&gt;bold&lt;/b&gt; &amp; 'quotes'"


def test_ratings_share_a_row_and_other_buttons_get_their_own() -> None:
    rows, _ = keyboard([Button(str(n), str(n)) for n in range(1, 6)])
    assert [[b.title for b in row] for row in rows] == [["1", "2", "3", "4", "5"]]
    rows, _ = keyboard([Button("Yes", "/affirm"), Button("Change something", "/deny")])
    assert [[b.callback_data for b in row] for row in rows] == [["/affirm"], ["/deny"]]


def test_long_payloads_travel_under_a_short_stable_key() -> None:
    payload = '/correct_context{"context_field": "typical_customer"}' + " " * 30
    rows, long_payloads = keyboard([Button("Typical customer", payload)])
    key = rows[0][0].callback_data
    assert len(key.encode()) <= CALLBACK_LIMIT
    assert long_payloads == {key: payload}
    assert callback_data(payload) == key  # the same payload, the same key
    assert callback_data("/affirm") == "/affirm"


def test_escaped_pieces_fit_even_when_escaping_makes_them_longer() -> None:
    text = "<b>&</b> " * 2000  # 18,000 characters, far more once escaped
    pieces = split_escaped(text)
    assert all(len(p) <= TELEGRAM_LIMIT for p in pieces)
    assert "<b>" not in "".join(pieces)
    assert html.unescape(" ".join(pieces)).split() == text.split()


def test_in_a_group_only_mentions_and_replies_address_the_bot() -> None:
    def said(text: str, private: bool = False, replied: bool = False) -> str | None:
        return addressed_text(text, private=private, replied_to_bot=replied, bot_username="motbot")

    assert said("lunch at 12?") is None
    assert said("@MotBot B2C please") == "B2C please"
    assert said("4", replied=True) == "4"
    assert said("  4  ", private=True) == "4"
    assert said("ask @motbotter") is None  # someone else's name


def test_uploaded_file_names_are_safe_on_disk_and_in_a_message() -> None:
    assert safe_file_name("Helpdesk export (May).CSV") == "Helpdesk-export-May.csv"
    assert safe_file_name('../../etc/"passwd"') == "passwd"
    assert safe_file_name("C:\\Users\\ana\\tickets.xlsx") == "tickets.xlsx"
    assert safe_file_name("") == "upload"
    assert len(safe_file_name("x" * 500 + ".xlsx")) <= 80
