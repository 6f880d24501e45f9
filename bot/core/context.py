"""A session's product context (asked before the interview), and how free-text answers become it.

Every parser takes what a person typed and either returns a clean value or
raises `UnclearAnswer` with a hint the bot can put in its re-question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core import wordlists
from bot.core.errors import UnclearAnswer
from bot.core.taxonomy import Business
from bot.core.texts import text
from bot.core.tickets import normalise

MAX_NAME = 80
MAX_CUSTOMER = 300
MAX_CHANNELS = 10
MAX_CHANNEL_LEN = 40


def parse_business(said: str) -> Business:
    """B2B or B2C from answers like 'we sell to companies' or 'b2c'."""
    cleaned = said.strip()
    if wordlists.anywhere("business_both").search(normalise(cleaned)):
        raise UnclearAnswer("business", said, text("h.business"))
    # An explicit code wins over incidental words ("B2C, for families and schools").
    b2b_code = re.search(r"\bb\s*2\s*b\b", cleaned, re.I) is not None
    b2c_code = re.search(r"\bb\s*2\s*c\b", cleaned, re.I) is not None
    if b2b_code != b2c_code:
        return Business.B2B if b2b_code else Business.B2C
    # The words are data per language (answers.toml), every language's at once.
    is_b2b = wordlists.anywhere("business_b2b").search(normalise(cleaned)) is not None
    is_b2c = wordlists.anywhere("business_b2c").search(normalise(cleaned)) is not None
    if is_b2b and not is_b2c:
        return Business.B2B
    if is_b2c and not is_b2b:
        return Business.B2C
    raise UnclearAnswer("business", said, text("h.business"))


def parse_product_name(said: str) -> str:
    name = " ".join(said.split()).strip(" .!\"'")
    if not name:
        raise UnclearAnswer("product_name", said, text("h.product_name"))
    if len(name) > MAX_NAME:
        raise UnclearAnswer("product_name", said, text("h.product_name_long", limit=MAX_NAME))
    return name


# The channels the product questions recognise, named in any language by the patterns
# channel_<name> of bot/locale/<lang>/answers.toml.
_CHANNELS = (
    "website", "mobile app", "email", "phone", "physical store", "sales team", "marketplaces",
    "social media", "chat", "partners",
)  # fmt: skip


def _canonical_channel(part: str) -> str:
    clean = normalise(part)
    for name in _CHANNELS:
        if wordlists.pattern(f"channel_{name.replace(' ', '_')}").fullmatch(clean):
            return name
    return part


def channel_name(channel: str) -> str:
    """A channel as the reader names it: a known one in their language ('website' ->
    'Website', 'mobile app' -> 'App'), the team's own words as they wrote them."""
    if not is_known_channel(channel):
        return channel
    return text(f"channel.{channel.lower().replace(' ', '_')}")


def channel_names(channels: list[str]) -> str:
    return ", ".join(channel_name(channel) for channel in channels)


def channel_phrase(channel: str, to_customers: bool = False) -> str:
    """A channel as a place in a sentence: 'website' -> 'on your website' ('on our website'
    when the sentence is for customers); the team's own words -> 'via trade fairs'."""
    if not is_known_channel(channel):
        return text("where.other", channel=channel)
    seen_by = "customer" if to_customers else "team"
    return text(f"where.{seen_by}.{channel.lower().replace(' ', '_')}")


def is_known_channel(channel: str) -> bool:
    """One of the channels the product questions recognise (not the team's own words)."""
    return channel.lower() in _CHANNELS


def parse_channels(said: str) -> list[str]:
    """The main channels as a clean list: 'Web shop, app & phone' -> 3 entries."""
    joins = rf"\b(?:{wordlists.pattern('and').pattern}|{wordlists.pattern('or').pattern})\b"
    parts = re.split(rf",|;|/|&|\+|{joins}|\n", said, flags=re.I)
    channels: list[str] = []
    lead = wordlists.pattern("channel_lead")
    for raw in parts:
        words = raw.split()
        while len(words) > 1:  # lead words dropped: "via", "über unsere", "vor allem"
            if len(words) > 2 and lead.fullmatch(normalise(" ".join(words[:2]))):
                words = words[2:]
            elif lead.fullmatch(normalise(words[0])):
                words = words[1:]
            else:
                break
        part = " ".join(words).strip(" .!-")
        if not part:
            continue
        if len(part) > MAX_CHANNEL_LEN:
            raise UnclearAnswer("channels", said, text("h.channel_long"))
        channel = _canonical_channel(part)
        if channel.lower() not in (c.lower() for c in channels):
            channels.append(channel)
    if not channels:
        raise UnclearAnswer("channels", said, text("h.channels"))
    if len(channels) > MAX_CHANNELS:
        raise UnclearAnswer("channels", said, text("h.channels_many", limit=MAX_CHANNELS))
    return channels


def parse_typical_customer(said: str) -> str:
    described = " ".join(said.split()).strip()
    if len(described) < 3:
        raise UnclearAnswer("typical_customer", said, text("h.customer"))
    if len(described) > MAX_CUSTOMER:
        raise UnclearAnswer("typical_customer", said, text("h.customer_long", limit=MAX_CUSTOMER))
    return described


@dataclass(frozen=True)
class ProductContext:
    """What the team sells and to whom; it adapts every later question."""

    product_name: str
    business: Business
    channels: list[str] = field(default_factory=list)
    typical_customer: str = ""

    def summary(self) -> str:
        return (
            f"{self.product_name}, {self.business.value.upper()}, "
            f"sold through {', '.join(self.channels)}; "
            f"typical customer: {self.typical_customer}"
        )
