"""Everything the bot says from code, per language, in one place.

Rasa's own responses live in domain.yml; these are the texts actions build.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "context_summary": (
        "Here is what I noted:\n"
        "- Product: {product_name}\n"
        "- Sells to: {business}\n"
        "- Channels: {channels}\n"
        "- Typical customer: {typical_customer}\n"
        "Is that right?"
    ),
    "business_b2b": "businesses (B2B)",
    "business_b2c": "private consumers (B2C)",
    "button_yes": "Yes, that's right",
    "button_change": "Change something",
    "unclear": "I couldn't read “{answer}” as an answer to that. {hint}",
    "unclear_business": "I couldn't tell from “{answer}” who your customers are. {hint}",
    "help": (
        "I interview your team to find your moments of truth: the points of the customer "
        "journey where customers decide to trust, buy, stay or leave. First I ask about your "
        "product; then we use four methods (team knowledge, customer-service records, a "
        "competitor walk-through, customer surveys), and I rank the moments and suggest "
        "improvements.\n"
        "You can say 'start', 'change the channels', 'cancel' or 'restart' at any time."
    ),
    "help_in_form": "We were at this question:",
    "help_commands": (
        "Say 'skip' to leave a question out, 'go back' to change your last answer, 'pause' to "
        "stop for now, 'where are we' for progress, or 'what have we found so far'."
    ),
    "help_in_confirm": "We were checking the product summary: say yes, or tell me what to change.",
    "cancelled": (
        "Stopped. Everything you already answered is kept; say 'start' when you want to go on."
    ),
    "started_over": "Starting a fresh interview. The earlier one stays saved.",
    "resumed": "Welcome back! Let's go on where we stopped.",
    "not_understood": "Sorry, I didn't understand “{text}”.",
    "rephrase_default": (
        "I can interview your team about your product's moments of truth. "
        "Say 'start' to begin or 'help' to learn more."
    ),
    "rephrase_confirm": (
        "Is the summary of your product right? Answer 'yes', or say what to change, "
        "for example 'change the channels'."
    ),
    "which_field_unknown": (
        "I'm not sure which answer you want to change: the product name, B2B or B2C, "
        "the channels or the typical customer?"
    ),
    "storage_error": (
        "Sorry, I couldn't save that just now. Nothing you confirmed is lost; "
        "please send your answer again in a moment."
    ),
    "session_missing": "I couldn't find your interview any more, so I started a new one.",
}

QUESTIONS: dict[str, str] = {
    "product_name": "What is your product called?",
    "business_type": "Do you sell mainly to businesses (B2B) or to private consumers (B2C)?",
    "channels": "Through which channels do customers find and buy from you?",
    "typical_customer": "Who is your typical customer?",
}


def text(key: str, **values: object) -> str:
    return EN[key].format(**values)
