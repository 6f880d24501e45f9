"""A session's product context (asked before the interview), and how free-text answers become it.

Every parser takes what a person typed and either returns a clean value or
raises `UnclearAnswer` with a hint the bot can put in its re-question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.errors import UnclearAnswer
from bot.core.taxonomy import Business
from bot.core.texts import text

MAX_NAME = 80
MAX_CUSTOMER = 300
MAX_CHANNELS = 10
MAX_CHANNEL_LEN = 40

_B2B_WORDS = (
    r"b\s*2\s*b",
    r"business(es)?",
    r"compan(y|ies)",
    r"enterprises?",
    r"firms?",
    r"corporate",
    r"organi[sz]ations?",
    r"teams?",
    r"agenc(y|ies)",
    r"shops?",
    r"retailers?",
    r"wholesale",
    r"clinics?",
    r"schools?",
    r"restaurants?",
)
_B2C_WORDS = (
    r"b\s*2\s*c",
    r"consumers?",
    r"private (people|persons|customers|individuals)",
    r"individuals?",
    r"people",
    r"shoppers?",
    r"households?",
    r"families",
    r"end ?(users|customers)",
    r"the public",
    r"retail customers",
    r"parents",
    r"students",
    r"patients",
    r"travell?ers",
    r"guests",
)
_BOTH = re.compile(r"\b(both|either|mixed|all of (them|the above)|b2b2c)\b", re.I)


def _matches(patterns: tuple[str, ...], said: str) -> bool:
    return any(re.search(rf"\b{p}\b", said, re.I) for p in patterns)


def parse_business(said: str) -> Business:
    """B2B or B2C from answers like 'we sell to companies' or 'b2c'."""
    cleaned = said.strip()
    if _BOTH.search(cleaned):
        raise UnclearAnswer("business", said, text("h.business"))
    # An explicit code wins over incidental words ("B2C, for families and schools").
    b2b_code = re.search(r"\bb\s*2\s*b\b", cleaned, re.I) is not None
    b2c_code = re.search(r"\bb\s*2\s*c\b", cleaned, re.I) is not None
    if b2b_code != b2c_code:
        return Business.B2B if b2b_code else Business.B2C
    is_b2b = _matches(_B2B_WORDS, cleaned)
    is_b2c = _matches(_B2C_WORDS, cleaned)
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


_CHANNEL_NAMES: dict[str, tuple[str, ...]] = {
    "website": (r"web ?sites?", r"web", r"online", r"internet", r"online ?shop", r"e-?commerce"),
    "mobile app": (r"(mobile )?apps?", r"ios", r"android"),
    "email": (r"e-?mails?", r"newsletters?"),
    "phone": (r"phone", r"telephone", r"call cent(er|re)", r"hotline"),
    "physical store": (
        r"(physical |retail )?stores?",
        r"(brick and mortar|offline) ?(shops?)?",
        r"branches",
        r"shops?",
    ),
    "sales team": (r"sales( team| reps?| people)?", r"field sales", r"account managers?"),
    "marketplaces": (r"marketplaces?", r"amazon", r"ebay", r"etsy"),
    "social media": (r"social( media)?", r"instagram", r"facebook", r"tiktok", r"linkedin"),
    "chat": (r"(live )?chat", r"whatsapp", r"messengers?", r"telegram"),
    "partners": (r"partners?", r"resellers?", r"distributors?"),
}


def _canonical_channel(part: str) -> str:
    for name, patterns in _CHANNEL_NAMES.items():
        if any(re.fullmatch(p, part, re.I) for p in patterns):
            return name
    return part


def channel_phrase(channel: str, to_customers: bool = False) -> str:
    """A channel as a place in a sentence: 'website' -> 'on your website' ('on our website'
    when the sentence is for customers); the team's own words -> 'via trade fairs'."""
    if not is_known_channel(channel):
        return text("where.other", channel=channel)
    seen_by = "customer" if to_customers else "team"
    return text(f"where.{seen_by}.{channel.lower().replace(' ', '_')}")


def is_known_channel(channel: str) -> bool:
    """One of the channels the product questions recognise (not the team's own words)."""
    return channel.lower() in _CHANNEL_NAMES


def parse_channels(said: str) -> list[str]:
    """The main channels as a clean list: 'Web shop, app & phone' -> 3 entries."""
    parts = re.split(r",|;|/|&|\+|\band\b|\bor\b|\n", said, flags=re.I)
    channels: list[str] = []
    for raw in parts:
        part = " ".join(raw.split()).strip(" .!-")
        part = re.sub(r"^(via|through|our|the|mostly|mainly)\s+", "", part, flags=re.I)
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
