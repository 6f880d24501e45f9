"""A bundled sample session: FreshCrate, a fictional meal-kit delivery service.

It carries evidence from all four methods (two team members' answers, a
helpdesk export, a competitor walk-through with ideas worth taking over, a
survey export and two answers to the chat survey) and is loaded through the
same services the bot uses, so a newcomer sees a full report in a minute.
"""

from __future__ import annotations

from importlib.resources import as_file, files

from bot import services
from bot.core.context import ProductContext
from bot.core.evidence import Evidence
from bot.core.surveys import MomentAnswer, SurveyResponse
from bot.core.taxonomy import Business, Method, Mot, Polarity, Stage
from bot.services import UowFactory

DEMO_WORKSPACE = "demo:freshcrate"
DEMO_PARTICIPANTS = ("demo:mia", "Mia (product lead)"), ("demo:jon", "Jon (customer service)")

CONTEXT = ProductContext(
    product_name="FreshCrate",
    business=Business.B2C,
    channels=["website", "mobile app"],
    typical_customer="busy couples in cities who cook three evenings a week",
)

TEAM = [
    Evidence(
        Method.TEAM,
        Mot.ZMOT,
        Stage.INTEREST,
        Polarity.PAIN,
        "review sites",
        "Some reviews still mention last year's delivery chaos.",
        importance=4,
        performance=3,
    ),
    Evidence(
        Method.TEAM,
        Mot.FMOT,
        Stage.CONSIDERATION,
        Polarity.GLORY,
        "plan page",
        "The recipe photos on the plan page make people hungry.",
        importance=4,
        performance=4,
    ),
    Evidence(
        Method.TEAM,
        Mot.AMOT,
        Stage.RETENTION,
        Polarity.PAIN,
        "delivery day",
        "Boxes arrive hours late and nobody warns the customer.",
        importance=5,
        performance=2,
    ),
    Evidence(
        Method.TEAM,
        Mot.SMOT,
        Stage.RETENTION,
        Polarity.PAIN,
        "first cooking evening",
        "A missing ingredient ruins the evening, and support answers slowly.",
        importance=4,
        performance=3,
    ),
    Evidence(
        Method.TEAM,
        Mot.UMOT,
        Stage.ADVOCACY,
        Polarity.GLORY,
        "social media",
        "Customers post their dishes on Instagram and tag us.",
        importance=3,
        performance=4,
    ),
    Evidence(
        Method.TEAM,
        Mot.SMOT,
        Stage.RETENTION,
        Polarity.PAIN,
        "mobile app",
        "The app crashes when people change next week's recipes, so they call us instead.",
        importance=4,
        performance=2,
    ),
    Evidence(
        Method.TEAM,
        Mot.SMOT,
        Stage.RETENTION,
        Polarity.GLORY,
        "chef hotline",
        "Our chef hotline talks people through a recipe that goes wrong; they love it.",
        importance=4,
        performance=5,
    ),
    Evidence(
        Method.TEAM,
        Mot.UMOT,
        Stage.ADVOCACY,
        Polarity.PAIN,
        "review sites",
        "After a late box, angry customers post one-star reviews the same evening.",
        importance=4,
        performance=2,
    ),
]

COMPETITOR = [
    Evidence(
        Method.COMPETITOR,
        Mot.ZMOT,
        touchpoint="review sites",
        competitor_rating=4,
        own_rating=3,
        text="GreenPan Box answers every review within a day.",
        details={
            "competitor": "GreenPan Box",
            "ideas": "Answer every review within one working day, signed by a real person",
        },
    ),
    Evidence(
        Method.COMPETITOR,
        Mot.FMOT,
        touchpoint="plan page",
        competitor_rating=3,
        own_rating=4,
        text="Our plan page is clearer than theirs.",
        details={"competitor": "GreenPan Box"},
    ),
    Evidence(
        Method.COMPETITOR,
        Mot.AMOT,
        touchpoint="delivery day",
        competitor_rating=4,
        own_rating=2,
        text="They text a one-hour delivery window on the morning of delivery.",
        details={
            "competitor": "GreenPan Box",
            "ideas": "Text customers a one-hour delivery window on the morning of delivery",
        },
    ),
    Evidence(
        Method.COMPETITOR,
        Mot.SMOT,
        touchpoint="support",
        competitor_rating=3,
        own_rating=3,
        text="Support answered in about a day, like ours.",
        details={
            "competitor": "GreenPan Box",
            "ideas": "A chat in the app for a missing ingredient, with a refund in one tap",
        },
    ),
]


# Two customers who answered the survey in the chat: one with a story, one scores only.
CHAT_SURVEY = (
    (
        "demo-customer-1",
        SurveyResponse(
            nps=3,
            csat=2,
            answers=(
                MomentAnswer(
                    Mot.AMOT, Polarity.PAIN, "Nobody told me the box would be four hours late."
                ),
            ),
        ),
    ),
    ("demo-customer-2", SurveyResponse(nps=10, csat=5)),
)


def load_demo(uow_factory: UowFactory) -> str:
    """Load the sample session once; later calls return the same session id."""
    sender = (
        f"{DEMO_WORKSPACE}:mia"  # parse_sender: workspace demo:freshcrate, participant demo:mia
    )
    existing = services.find_session(uow_factory, DEMO_WORKSPACE, CONTEXT.product_name)
    if existing is not None:
        return existing
    view = services.open_session(uow_factory, sender, DEMO_PARTICIPANTS[0][1], fresh=True)
    services.save_context(uow_factory, view.id, CONTEXT)
    services.add_evidence(uow_factory, view.id, TEAM[:3], *DEMO_PARTICIPANTS[0])
    services.add_evidence(uow_factory, view.id, TEAM[3:], *DEMO_PARTICIPANTS[1])
    services.add_evidence(uow_factory, view.id, COMPETITOR, *DEMO_PARTICIPANTS[0])
    package = files("bot.demo")
    with as_file(package / "tickets.csv") as tickets:
        services.import_helpdesk_export(uow_factory, view.id, tickets)
    with as_file(package / "survey.csv") as survey:
        services.import_survey_results(uow_factory, view.id, survey)
    chat = services.create_survey(uow_factory, view.id, [Mot.AMOT, Mot.SMOT, Mot.ZMOT])
    for respondent, response in CHAT_SURVEY:
        services.record_survey_response(uow_factory, chat.code, response, respondent)
    services.close_survey(uow_factory, view.id)
    return view.id
