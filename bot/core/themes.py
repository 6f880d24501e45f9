"""What a piece of evidence is about: a small, transparent theme vocabulary (English and German).

A theme is a short code such as "tracking" or "support tone". It comes from
cue words in what people wrote (a team's story, a touchpoint, a ticket, a
survey answer), counted per theme; a theme that belongs to the moment gets a
small head start (reviews at the ZMOT, billing at the AMOT), and on a tie the
order of `THEMES` decides. Same text, same theme: no model, no randomness.
The cue patterns are recognition data and stay here; what a theme is called
(`theme.<code>.name`, and its titles as a pain or a strength) is in the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.taxonomy import Mot, Polarity
from bot.core.texts import text
from bot.core.wordlists import own_pattern

# theme -> cue patterns on normalised text (lower case, umlauts as ae/oe/ue, ß as ss).
# The order is the tie-break: more specific themes first.
THEMES: dict[str, tuple[str, ...]] = {
    "billing": (
        r"invoice",
        r"billing",
        r"bill\b",
        r"charged (twice|double|two times)",
        r"double charge",
        r"receipt",
        r"rechnung",
        r"abrechnung",
        r"doppelt (abgebucht|belastet)",
        r"(zweimal|doppelt) (abgebucht|belastet|berechnet)",
        r"quittung",
    ),
    "payment": (
        r"payment",
        r"paid",
        r"\bpay\b",
        r"charged",
        r"credit card",
        r"\bcard\b",
        r"paypal",
        r"zahlung",
        r"bezahl",
        r"abgebucht",
        r"kreditkarte",
    ),
    "activation": (
        r"activat",
        r"licen[cs]e",
        r"provision",
        r"\baccess\b",
        r"log ?in",
        r"account (set ?up|creation)",
        r"freischalt",
        r"aktivier",
        r"zugang",
    ),
    "tracking": (
        r"tracking",
        r"track(ing)? (number|link|page)",
        r"status update",
        r"in transit",
        r"where is my",
        r"freight partner",
        r"sendungsverfolgung",
        r"wo (bleibt|ist) (mein|meine)",
        r"\w*tracking",
    ),
    "delivery": (
        r"deliver",
        r"shipp",
        r"parcel",
        r"courier",
        r"driver",
        r"freight",
        r"box(es)? (arrive|came|was|were|left)",
        r"arriv",
        r"liefer",
        r"versand",
        r"paket",
        r"zustell",
        r"spedition",
        r"geliefert",
        r"angekommen",
        r"ankunft",
        r"\w*box(en)? (kam|kommt|kommen|war|waren)\b",
        r"\w*bote\b",
        r"kam (erst )?(um|am|nach)\b",
        r"(kam|kamen|kommt|kommen)( \w+)? an\b",
    ),
    "support tone": (
        r"rude",
        r"unfriendly",
        r"impolite",
        r"arrogant",
        r"condescending",
        r"unfreundlich",
        r"unhoeflich",
        r"respektlos",
    ),
    "bugs": (
        r"bugs?\b",
        r"crash",
        r"error",
        r"freez",
        r"(not|stopped|doesn'?t|does not) work",
        r"fehlermeldung",
        r"absturz",
        r"stuerzt",
        r"haengt",
        r"funktioniert nicht",
        r"(geht|laeuft) nicht",
        r"stuerzt\w* ab",
    ),
    "missing items": (
        r"missing",
        r"wrong (item|box|product|size)",
        r"incomplete",
        r"fehlt",
        r"fehlend",
        r"falsch(e|es)? (artikel|geliefert)",
    ),
    "quality": (
        r"broken",
        r"defect",
        r"quality",
        r"damaged",
        r"crushed",
        r"wilted",
        r"spoiled",
        r"fell apart",
        r"kaputt",
        r"defekt",
        r"qualitaet",
        r"beschaedigt",
        r"zerbrochen",
        r"welk",
        r"verdorben",
        r"zerdrueckt",
        r"schimmel",
    ),
    "returns": (
        r"return",
        r"refund",
        r"exchange",
        r"cancel",
        r"retoure",
        r"ruecksend",
        r"erstattung",
        r"umtausch",
        r"kuendig",
    ),
    "support": (
        r"support",
        r"agent",
        r"hotline",
        r"helpdesk",
        r"help ?desk",
        r"customer service",
        r"on hold",
        r"(reply|replied|answer(s|ed)?) (slowly|late)",
        r"nobody (answered|replied)",
        r"kundenservice",
        r"kundendienst",
        r"warteschleife",
        r"niemand (hat|antwortet|reagiert)",
        r"keine antwort",
        r"\w*hotline",
    ),
    "onboarding": (
        r"set ?up",
        r"install",
        r"onboarding",
        r"first (steps|use|week|evening)",
        r"training",
        r"check-?in call",
        r"einricht",
        r"einarbeitung",
        r"schulung",
    ),
    "usability": (
        r"confusing",
        r"complicated",
        r"hard to",
        r"unclear",
        r"easy to use",
        r"kompliziert",
        r"umstaendlich",
        r"unuebersichtlich",
    ),
    "pricing": (
        r"price",
        r"pricing",
        r"expensive",
        r"hidden (fees|costs)",
        r"\bfees?\b",
        r"\bcosts?\b",
        r"preis",
        r"teuer",
        r"kosten",
        r"gebuehr",
    ),
    "offers": (
        r"coupon",
        r"discount",
        r"voucher",
        r"free trial",
        r"promo",
        r"gutschein",
        r"rabatt",
        r"probeabo",
    ),
    "product info": (
        r"description",
        r"photos?\b",
        r"pictures?\b",
        r"specs?\b",
        r"product page",
        r"plan page",
        r"landing page",
        r"size chart",
        r"beschreibung",
        r"fotos?\b",
        r"produktseite",
        r"\w*fotos?\b",
        r"\w*bilder\b",
        r"(plan|produkt|angebots|start)seite",
    ),
    "packaging": (r"packag", r"unbox", r"verpack"),
    "checkout": (r"checkout", r"\bcart\b", r"basket", r"sign-?up form", r"warenkorb", r"kasse"),
    "sales": (r"sales", r"\bdemo\b", r"pitch", r"\brep\b", r"vertrieb", r"angebot"),
    "reviews": (
        r"reviews?\b",
        r"rating",
        r"stars?\b",
        r"trustpilot",
        r"g2\b",
        r"capterra",
        r"bewertung",
        r"rezension",
        r"sterne",
    ),
    "social": (
        r"social( media)?",
        r"instagram",
        r"facebook",
        r"tiktok",
        r"linkedin",
        r"twitter",
        r"\bposts?\b",
        r"posted",
        r"\btag(ged|s)? us",
        r"soziale",
        r"(ge)?poste(t|n)?\b",
    ),
    "referral": (
        r"recommend",
        r"referr",
        r"word of mouth",
        r"friends?\b",
        r"colleagues?",
        r"empfehl",
        r"weiterempf",
        r"kollegen",
        r"freunde",
    ),
    "outreach": (
        r"newsletter",
        r"\bads?\b",
        r"advert",
        r"retarget",
        r"campaign",
        r"spam",
        r"cold (call|email)",
        r"werbung",
        r"anzeige",
    ),
    "search": (r"google", r"search", r"\bseo\b", r"find us", r"gegoogelt", r"suche"),
    "content": (
        r"blog",
        r"case stud",
        r"comparison",
        r"guide",
        r"\bfaq",
        r"webinar",
        r"ratgeber",
        r"vergleich",
    ),
    "waiting": (
        r"\blate\b",
        r"delay",
        r"waited",
        r"waiting",
        r"slow",
        r"hours",
        r"(days|weeks) (later|ago)",
        r"verspaet",
        r"verzoeger",
        r"warte",
        r"langsam",
        r"spaet",
        r"stunden",
        r"gewartet",
    ),
}

# Themes that belong to a moment get a head start when a text names several.
HOME: dict[Mot, tuple[str, ...]] = {
    Mot.LZMOT: ("outreach", "social", "referral", "offers"),
    Mot.ZMOT: ("reviews", "search", "content", "social"),
    Mot.FMOT: ("product info", "pricing", "packaging", "checkout", "sales", "offers"),
    Mot.AMOT: ("billing", "payment", "tracking", "delivery", "activation"),
    Mot.SMOT: (
        "support tone",
        "bugs",
        "missing items",
        "quality",
        "returns",
        "support",
        "onboarding",
        "usability",
    ),
    Mot.UMOT: ("reviews", "social", "referral"),
}
HOME_BONUS = 0.5

# "waiting" says how long, not what for: at the AMOT it is about delivery,
# at the SMOT about support.
_WAITING_MEANS = {Mot.AMOT: "delivery", Mot.SMOT: "support"}

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)
_COMPILED = {
    theme: tuple(re.compile(rf"\b(?:{pattern})") for pattern in patterns)
    for theme, patterns in THEMES.items()
}
_ORDER = {theme: index for index, theme in enumerate(THEMES)}


def normalise(text: str) -> str:
    return " ".join(text.translate(_UMLAUTS).lower().replace("\u2019", "'").split())


def hits(text: str) -> dict[str, int]:
    """How many cue patterns of each theme the text contains."""
    clean = normalise(text)
    found: dict[str, int] = {}
    for theme, patterns in _COMPILED.items():
        count = sum(1 for pattern in patterns if pattern.search(clean))
        if count:
            found[theme] = count
    return found


def ranked(counts: dict[str, float], mot: Mot) -> list[str]:
    """Themes from the most to the least fitting for this moment."""
    scored: dict[str, float] = {}
    for theme, count in counts.items():
        if theme == "waiting" and mot in _WAITING_MEANS:
            meant = _WAITING_MEANS[mot]
            if meant in counts:
                continue  # already named: the wait adds nothing
            theme, count = meant, count * 0.5
        scored[theme] = count + (HOME_BONUS if theme in HOME[mot] else 0.0)
    return sorted(scored, key=lambda t: (-scored[t], _ORDER.get(t, len(_ORDER)), t))


def themes_of(text: str, mot: Mot) -> list[str]:
    """The themes a text speaks of, best first (empty when no cue matches)."""
    return themes_in([text], mot)


def themes_in(texts: Iterable[str], mot: Mot) -> list[str]:
    """Themes of several texts: each text counts once per theme it names."""
    counts: dict[str, float] = {}
    for said in texts:
        for theme in hits(said):
            counts[theme] = counts.get(theme, 0.0) + 1.0
    return ranked(counts, mot)


def primary(themes: Iterable[str], mot: Mot) -> str | None:
    """The one theme of a list (e.g. a ticket's themes) that names what it is about."""
    listed = list(dict.fromkeys(themes))
    if not listed:
        return None
    return ranked({t: 1.0 for t in listed}, mot)[0]


def _key(theme: str) -> str:
    """A theme's part of its catalogue keys: "support tone" -> "support_tone"."""
    return theme.replace(" ", "_")


def label(theme: str | None, polarity: Polarity) -> str:
    """A theme's short name as a pain or a strength, for titles (`theme.<theme>.pain`/`.glory`).

    A theme this vocabulary does not know (stored by an older version) is shown as it is.
    """
    side = "glory" if polarity is Polarity.GLORY else "pain"
    if theme is None:
        return text(f"theme.other.{side}")
    return text(f"theme.{_key(theme)}.{side}") if theme in THEMES else theme


def theme_name(theme: str) -> str:
    """What a theme is about, in the conversation's language (`theme.<theme>.name`)."""
    return text(f"theme.{_key(theme)}.name") if theme in THEMES else theme


_CLAUSE = re.compile(r"[.;!?:]\s|\s[-\u2013\u2014]\s|,\s(?:and|but|so|und|aber)\s")
_AND = re.compile(r"\s(?:and|but|und|aber)\s")
MAX_PHRASE = 60


def phrase(said: str) -> str:
    """The first clause of what someone said, short enough for a title.

    Its first letter is lowered only where the conversation's language writes
    that word in lower case inside a sentence (`lower_first` in answers.toml).
    """
    cleaned = " ".join(said.split()).strip(" .!\"'\u201c\u201d")
    if not cleaned:
        return ""
    clauses = [c for c in _CLAUSE.split(cleaned) if c.strip(" ,.!")]
    # A ticket's subject ("Box late.") says less than the sentence after it.
    cleaned = next((c for c in clauses if len(c.split()) >= 3), clauses[0] if clauses else "")
    parts = _AND.split(cleaned, maxsplit=1)
    if len(parts) == 2 and len(parts[0].split()) >= 3:
        cleaned = parts[0]
    cleaned = cleaned.strip(" ,.!")
    if len(cleaned) > MAX_PHRASE:
        cut = cleaned[:MAX_PHRASE].rsplit(" ", 1)[0]
        cleaned = cut.rstrip(" ,") + "\u2026"
    first = cleaned.split(" ", 1)[0]
    # Lower case inside a title, where the language writes it so ("The box" -> "the box",
    # never "I" in English or a noun in German: a data rule, `lower_first`).
    lower = own_pattern("lower_first")
    if (
        (len(first) == 1 or first[1:].islower())
        and lower is not None
        and lower.fullmatch(first.lower())
    ):
        cleaned = cleaned[0].lower() + cleaned[1:]
    return cleaned
