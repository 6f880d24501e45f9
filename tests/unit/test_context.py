from __future__ import annotations

import pytest

from bot.core.context import (
    ProductContext,
    parse_business,
    parse_channels,
    parse_product_name,
    parse_typical_customer,
)
from bot.core.errors import UnclearAnswer
from bot.core.taxonomy import Business
from bot.core.texts import render


@pytest.mark.parametrize(
    "answer",
    ["B2B", "b2b", "b 2 b", "We sell to companies", "mostly small businesses", "enterprises"],
)
def test_business_answers_read_as_b2b(answer: str) -> None:
    assert parse_business(answer) is Business.B2B


@pytest.mark.parametrize(
    "answer", ["B2C", "consumers", "private customers", "families at home", "end users"]
)
def test_consumer_answers_read_as_b2c(answer: str) -> None:
    assert parse_business(answer) is Business.B2C


def test_explicit_code_wins_over_incidental_words() -> None:
    assert parse_business("B2C, for families and schools") is Business.B2C


@pytest.mark.parametrize("answer", ["we sell stuff", "both", "", "companies and consumers"])
def test_unclear_business_answers_ask_again_with_a_hint(answer: str) -> None:
    with pytest.raises(UnclearAnswer) as raised:
        parse_business(answer)
    assert "most of your revenue" in render(raised.value.hint)


def test_channels_are_split_normalised_and_deduplicated() -> None:
    assert parse_channels("Web shop, the app & phone and our website") == [
        "Web shop",
        "mobile app",
        "phone",
        "website",
    ]


def test_unknown_channels_are_kept_as_typed() -> None:
    assert parse_channels("trade fairs; catalogue") == ["trade fairs", "catalogue"]


@pytest.mark.parametrize("answer", ["", " , and ", "x" * 200])
def test_unusable_channel_answers_are_unclear(answer: str) -> None:
    with pytest.raises(UnclearAnswer):
        parse_channels(answer)


def test_product_name_is_trimmed_and_bounded() -> None:
    assert parse_product_name('  "ParcelPal".  ') == "ParcelPal"
    with pytest.raises(UnclearAnswer, match="80 characters"):
        parse_product_name("A" * 81)
    with pytest.raises(UnclearAnswer):
        parse_product_name("   ")


def test_typical_customer_needs_a_few_words() -> None:
    assert parse_typical_customer(" office   managers ") == "office managers"
    with pytest.raises(UnclearAnswer):
        parse_typical_customer("x")


def test_summary_names_everything_the_team_told() -> None:
    context = ProductContext("ParcelPal", Business.B2C, ["website", "mobile app"], "parents")
    assert context.summary() == (
        "ParcelPal, B2C, sold through website, mobile app; typical customer: parents"
    )
