from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.core import catalogue
from bot.core.evidence import Evidence
from bot.core.metrics import customer_metrics, totals_details
from bot.core.scoring import RAW_MAX, RankedMoment, RecordsFacts, explain_tie_break, rank
from bot.core.taxonomy import Method, Mot, Polarity
from bot.core.texts import use_language
from bot.core.themes import phrase, primary, themes_of
from tests.unit.test_catalogue import partial_german


def team(
    mot: Mot,
    importance: int | None,
    performance: int | None,
    polarity: Polarity | None = None,
    text: str = "",
    touchpoint: str | None = None,
    who: str = "ana",
) -> Evidence:
    return Evidence(
        Method.TEAM,
        mot,
        polarity=polarity,
        touchpoint=touchpoint,
        text=text,
        importance=importance,
        performance=performance,
        participant=who,
    )


def records(
    mot: Mot, count: int, negative: int, positive: int = 0, theme: str | None = None
) -> Evidence:
    return Evidence(
        Method.RECORDS, mot, count=count, negative=negative, positive=positive, theme=theme
    )


def pains(evidence: list[Evidence]) -> list[RankedMoment]:
    return rank(evidence).moments


def test_high_importance_low_performance_outranks_low_importance() -> None:
    ranked = pains([team(Mot.FMOT, 2, 2), team(Mot.AMOT, 5, 1)])
    assert [m.mot for m in ranked] == [Mot.AMOT, Mot.FMOT]
    assert ranked[0].rank == 1
    assert ranked[0].score > ranked[1].score


def test_one_perfect_pain_answer_does_not_saturate_the_scale() -> None:
    only = pains([team(Mot.AMOT, 5, 1, Polarity.PAIN, "Parcels vanish at the depot")])[0]
    assert only.score < 60
    assert only.score_inputs["raw_max"] == RAW_MAX
    confirmed = pains(
        [
            team(Mot.AMOT, 5, 1, Polarity.PAIN, "Parcels vanish at the depot"),
            records(Mot.AMOT, 40, 38, theme="delivery"),
            Evidence(
                Method.COMPETITOR, Mot.AMOT, competitor_rating=5, own_rating=1, text="delivery"
            ),
        ]
    )[0]
    assert only.score < confirmed.score < 100


def test_two_different_pains_at_one_code_stay_two_items() -> None:
    evidence = [
        team(Mot.SMOT, 4, 2, Polarity.PAIN, "The support agent was rude on the phone", "hotline"),
        team(Mot.SMOT, 4, 2, Polarity.PAIN, "The app crashes on login", "app", who="ben"),
        records(Mot.SMOT, 12, 11, theme="support tone"),
        records(Mot.SMOT, 6, 5, theme="bugs"),
    ]
    ranked = pains(evidence)
    assert {m.theme for m in ranked} == {"support tone", "bugs"}
    assert all(m.mot is Mot.SMOT for m in ranked)
    titles = [m.title for m in ranked]
    assert "SMOT \u00b7 the support agent was rude on the phone" in titles
    assert "SMOT \u00b7 the app crashes on login" in titles


def test_glory_and_pain_at_one_moment_stay_apart_with_their_own_quotes() -> None:
    ranking = rank(
        [
            team(Mot.AMOT, 4, 3, Polarity.PAIN, "Tracking stops at the freight partner", "freight"),
            team(Mot.AMOT, 4, 3, Polarity.GLORY, "The driver calls ahead", "freight"),
        ]
    )
    assert [m.polarity for m in ranking.moments] == ["pain"]
    assert [m.polarity for m in ranking.strengths] == ["glory"]
    pain, glory = ranking.moments[0], ranking.strengths[0]
    assert pain.title == "AMOT \u00b7 tracking stops at the freight partner"
    assert [q.text for q in pain.quotes] == ["Tracking stops at the freight partner"]
    assert [q.text for q in glory.quotes] == ["The driver calls ahead"]
    # The team's rating of the moment goes to both stories of the same touchpoint.
    assert pain.score_inputs["team_importance"] == glory.score_inputs["team_importance"] == 4


def test_records_split_into_pain_and_praise() -> None:
    ranking = rank([records(Mot.UMOT, 30, 2, positive=28, theme="reviews")])
    assert ranking.strengths[0].score > ranking.moments[0].score
    assert ranking.strengths[0].score_inputs["records_positive"] == 28
    assert ranking.moments[0].score_inputs["records_negative"] == 2


def test_scores_never_rise_down_either_list() -> None:
    rng = random.Random(7)
    evidence = [
        team(
            rng.choice(list(Mot)),
            rng.randint(1, 5),
            rng.randint(1, 5),
            rng.choice(list(Polarity)),
            rng.choice(["late parcel", "rude agent", "great reviews", "app crash", "price"]),
            who=str(i),
        )
        for i in range(40)
    ] + [records(m, 10, rng.randint(0, 10), rng.randint(0, 3)) for m in Mot]
    ranking = rank(evidence)
    for items in (ranking.moments, ranking.strengths):
        scores = [m.score for m in items]
        assert scores == sorted(scores, reverse=True)
        assert [m.rank for m in items] == list(range(1, len(items) + 1))


def test_ties_are_broken_deterministically_and_explained() -> None:
    evidence = [
        team(Mot.FMOT, 4, 2, Polarity.PAIN, "The price is hidden", "plan page"),
        team(Mot.AMOT, 4, 2, Polarity.PAIN, "The invoice never arrives", "billing", who="ben"),
    ]
    ranked = pains(evidence)
    assert ranked[0].score == ranked[1].score
    assert ranked[0].mot is Mot.FMOT  # earlier in the journey
    # The reason is data (a code and the rank above), worded where the report shows it.
    assert ranked[1].score_inputs["tie_break"] == "journey"
    assert ranked[1].score_inputs["tie_break_rank"] == 1
    assert explain_tie_break(ranked[1].score_inputs) == (
        "same score as rank 1; that one is ranked first by earlier in the journey"
    )
    assert explain_tie_break(ranked[0].score_inputs) is None


def test_a_tie_on_everything_is_broken_by_the_items_name_in_any_language() -> None:
    """Two items alike in every number: the team's words decide, not a translated title."""
    evidence = [
        records(Mot.SMOT, 10, 5, theme="support tone"),
        records(Mot.SMOT, 10, 5, theme="bugs"),
    ]
    ranked = pains(evidence)
    assert [m.theme for m in ranked] == ["bugs", "support tone"]  # by code, not by title
    assert ranked[1].score_inputs["tie_break"] == "name"


def test_evidence_summaries_are_data_worded_where_shown() -> None:
    moment = pains(
        [
            team(Mot.AMOT, 5, 2, Polarity.PAIN, "late box"),
            records(Mot.AMOT, 10, 8, theme="delivery"),
            Evidence(
                Method.COMPETITOR,
                Mot.AMOT,
                competitor_rating=5,
                own_rating=2,
                text="They deliver in one hour",
            ),
        ]
    )[0]
    by_method = {e.method: e for e in moment.evidence}
    tickets = by_method[Method.RECORDS].facts
    assert isinstance(tickets, RecordsFacts)
    assert (tickets.tickets, tickets.of_theme, tickets.share) == (8, 10, 0.8)
    assert (
        by_method[Method.RECORDS].summary
        == "8 negative service ticket(s) about delivery (80% of 10)"
    )
    assert by_method[Method.TEAM].summary == (
        "1 team answer(s): importance 5/5, performance 2/5. \u201clate box\u201d"
    )
    assert by_method[Method.COMPETITOR].summary == (
        "a competitor 5/5, us 2/5. \u201cThey deliver in one hour\u201d"
    )


def test_records_confirming_a_team_hunch_raise_it() -> None:
    hunch = [team(Mot.AMOT, 4, 2, Polarity.PAIN, "late delivery"), team(Mot.SMOT, 4, 2)]
    alone = {m.mot: m.score for m in pains(hunch)}
    confirmed = {
        m.mot: m
        for m in pains(
            [*hunch, records(Mot.AMOT, 40, 34, theme="delivery"), records(Mot.SMOT, 5, 1)]
        )
    }
    assert confirmed[Mot.AMOT].score > alone[Mot.AMOT]
    assert confirmed[Mot.AMOT].score_inputs["methods_confirming"] == 2
    assert confirmed[Mot.AMOT].rank == 1


def test_team_knowledge_alone_gives_a_list_and_more_methods_sharpen_it() -> None:
    only_team = pains([team(Mot.ZMOT, 4, 2, Polarity.PAIN, "bad reviews on Google")])
    assert len(only_team) == 1
    assert only_team[0].methods == [Method.TEAM]
    assert "signal_records" not in only_team[0].score_inputs
    more = pains(
        [
            team(Mot.ZMOT, 4, 2, Polarity.PAIN, "bad reviews on Google"),
            Evidence(
                Method.COMPETITOR,
                Mot.ZMOT,
                competitor_rating=5,
                own_rating=2,
                text="They answer every review",
            ),
            Evidence(
                Method.SURVEY,
                Mot.ZMOT,
                polarity=Polarity.PAIN,
                count=5,
                negative=5,
                text="Awful reviews",
            ),
        ]
    )
    assert more[0].methods == [Method.TEAM, Method.COMPETITOR, Method.SURVEY]
    assert more[0].score > only_team[0].score


def test_every_number_used_is_in_the_inputs() -> None:
    moment = pains(
        [
            team(Mot.AMOT, 5, 2, Polarity.PAIN, "late box"),
            records(Mot.AMOT, 10, 8, theme="delivery"),
        ]
    )[0]
    i = moment.score_inputs
    for key in (
        "team_importance",
        "team_performance",
        "records_negative",
        "records_of_theme",
        "records_largest_item",
        "base",
        "triangulation_factor",
        "peak_bonus",
        "end_bonus",
        "breadth_bonus",
        "umot_link_bonus",
        "vote_share",
        "raw",
        "raw_max",
    ):
        assert key in i
    factor = (
        float(i["triangulation_factor"] or 0)
        * (
            1
            + float(i["peak_bonus"] or 0)
            + float(i["end_bonus"] or 0)
            + float(i["umot_link_bonus"] or 0)
            + float(i["breadth_bonus"] or 0)
        )
        * (1 + 0.2 * float(i["vote_share"] or 0))
    )
    assert abs(float(i["base"] or 0) * factor - float(i["raw"] or 0)) < 0.002
    assert moment.score == round(100 * float(i["raw"] or 0) / RAW_MAX, 1)
    assert {e.method for e in moment.evidence} == {Method.TEAM, Method.RECORDS}


def test_umot_review_evidence_raises_the_zmot_review_item() -> None:
    zmot = team(Mot.ZMOT, 4, 2, Polarity.PAIN, "Old bad reviews on Google", "review sites")
    alone = pains([zmot])[0]
    linked = {m.mot: m for m in pains([zmot, records(Mot.UMOT, 20, 18, theme="reviews")])}[Mot.ZMOT]
    assert linked.score > alone.score
    assert float(linked.score_inputs["umot_link_bonus"] or 0) > 0


def test_nps_and_csat_feed_the_scoring() -> None:
    totals = Evidence(
        Method.SURVEY, Mot.UMOT, count=0, details=totals_details(10, 1, 2, 7, [2, 2, 3])
    )
    amot = Evidence(Method.SURVEY, Mot.AMOT, polarity=Polarity.PAIN, count=4, negative=4, csat=1.5)
    evidence = [totals, amot]
    metrics = customer_metrics(evidence, chat_scores=[(0, 1)])
    assert metrics.responses == 11 and metrics.nps == -63.6 and metrics.csat == 2.0
    ranking = rank(evidence, metrics=metrics)
    by_mot = {m.mot: m for m in ranking.moments}
    assert by_mot[Mot.UMOT].title == "UMOT \u00b7 customers would not recommend you"
    assert by_mot[Mot.UMOT].score_inputs["survey_nps"] == -63.6
    assert by_mot[Mot.AMOT].score_inputs["survey_csat"] == 1.5
    assert by_mot[Mot.AMOT].score_inputs["survey_respondents"] == 11


def test_the_same_evidence_always_gives_the_same_ranking() -> None:
    evidence = [
        team(Mot.AMOT, 4, 2, Polarity.PAIN, "late"),
        team(Mot.SMOT, 4, 2, Polarity.PAIN, "rude agent", who="b"),
        team(Mot.FMOT, 3, 3),
        records(Mot.AMOT, 10, 5, theme="delivery"),
        records(Mot.SMOT, 10, 5, theme="bugs"),
        records(Mot.ZMOT, 3, 1),
    ]
    first = [(m.key, m.score) for m in rank(evidence).all()]
    for seed in range(5):
        shuffled = evidence[:]
        random.Random(seed).shuffle(shuffled)
        assert [(m.key, m.score) for m in rank(shuffled).all()] == first


def test_votes_lift_a_moment() -> None:
    evidence = [team(Mot.AMOT, 4, 2), team(Mot.SMOT, 4, 2)]
    plain = {m.mot: m for m in pains(evidence)}
    voted = {m.mot: m for m in rank(evidence, votes={Mot.SMOT: 3}).moments}
    assert voted[Mot.SMOT].score > plain[Mot.SMOT].score
    assert voted[Mot.SMOT].rank == 1


def test_themes_in_english_and_german() -> None:
    assert themes_of("card charged twice, invoice never arrives", Mot.AMOT)[0] == "billing"
    assert themes_of("Rechnung kommt nie an, doppelt abgebucht", Mot.AMOT)[0] == "billing"
    assert themes_of("Die App stürzt beim Login ab", Mot.SMOT)[0] == "bugs"
    assert themes_of("Der Mitarbeiter war unfreundlich", Mot.SMOT)[0] == "support tone"
    assert themes_of("Some reviews mention late delivery", Mot.ZMOT)[0] == "reviews"
    assert primary(("delivery", "waiting", "tracking"), Mot.AMOT) == "tracking"
    assert phrase("Boxes arrive hours late and nobody warns the customer.") == (
        "boxes arrive hours late"
    )


def test_one_ranking_is_worded_in_each_readers_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    german = partial_german(tmp_path, monkeypatch)
    with german.open("a", encoding="utf-8") as po:
        po.write(
            '\nmsgid "theme.delivery.pain"\nmsgstr "verspätete Lieferungen"\n'
            '\nmsgid "theme.delivery.name"\nmsgstr "Lieferung"\n'
            '\n#, python-brace-format\nmsgid "evidence.records.pain_about"\n'
            'msgstr "{count} negative Tickets zu {theme} ({share:.0%} von {of})"\n'
        )
    catalogue.clear_cache()
    try:
        moment = pains([records(Mot.AMOT, 10, 8, theme="delivery")])[0]
        with use_language("de"):
            assert moment.title == "AMOT \u00b7 verspätete Lieferungen"
            assert moment.evidence[0].summary == "8 negative Tickets zu Lieferung (80% von 10)"
        assert moment.title == "AMOT \u00b7 late or failed deliveries"
        assert moment.evidence[0].summary == (
            "8 negative service ticket(s) about delivery (80% of 10)"
        )
    finally:
        catalogue.clear_cache()
