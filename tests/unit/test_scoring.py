from __future__ import annotations

import random

from bot.core.evidence import Evidence
from bot.core.scoring import rank
from bot.core.taxonomy import Method, Mot, Polarity


def team(mot: Mot, importance: int, performance: int, polarity: Polarity | None = None) -> Evidence:
    return Evidence(
        Method.TEAM, mot, importance=importance, performance=performance, polarity=polarity
    )


def records(mot: Mot, count: int, negative: int, positive: int = 0) -> Evidence:
    return Evidence(Method.RECORDS, mot, count=count, negative=negative, positive=positive)


def by_mot(evidence: list[Evidence]) -> dict[Mot, object]:
    return {m.mot: m for m in rank(evidence)}


def test_high_importance_low_performance_outranks_low_importance() -> None:
    ranked = rank([team(Mot.FMOT, 2, 2), team(Mot.AMOT, 5, 1)])
    assert [m.mot for m in ranked] == [Mot.AMOT, Mot.FMOT]
    assert ranked[0].rank == 1
    assert ranked[0].score > ranked[1].score


def test_records_confirming_a_team_hunch_raise_it() -> None:
    hunch = [team(Mot.AMOT, 4, 2), team(Mot.SMOT, 4, 2)]
    alone = {m.mot: m.score for m in rank(hunch)}
    confirmed = {
        m.mot: m for m in rank([*hunch, records(Mot.AMOT, 40, 34), records(Mot.SMOT, 5, 1)])
    }
    assert confirmed[Mot.AMOT].score > alone[Mot.AMOT]
    assert confirmed[Mot.AMOT].score_inputs["methods_confirming"] == 2
    assert confirmed[Mot.AMOT].rank == 1


def test_a_glory_moment_is_not_ranked_as_a_pain_to_fix() -> None:
    evidence = [
        team(Mot.UMOT, 5, 5, Polarity.GLORY),
        records(Mot.UMOT, 30, 0, positive=28),
        team(Mot.SMOT, 4, 3, Polarity.PAIN),
        records(Mot.SMOT, 10, 6),
    ]
    ranked = by_mot(evidence)
    glory, pain = ranked[Mot.UMOT], ranked[Mot.SMOT]
    assert glory.polarity == "glory"  # type: ignore[attr-defined]
    assert pain.polarity == "pain"  # type: ignore[attr-defined]
    assert pain.rank < glory.rank  # type: ignore[attr-defined]


def test_team_knowledge_alone_gives_a_list_and_more_methods_sharpen_it() -> None:
    only_team = rank([team(Mot.ZMOT, 4, 2)])
    assert len(only_team) == 1
    assert only_team[0].methods == [Method.TEAM]
    assert "signal_records" not in only_team[0].score_inputs
    more = rank(
        [
            team(Mot.ZMOT, 4, 2),
            Evidence(Method.COMPETITOR, Mot.ZMOT, competitor_rating=5, own_rating=2),
            Evidence(Method.SURVEY, Mot.ZMOT, count=6, negative=5, positive=1),
        ]
    )
    assert more[0].methods == [Method.TEAM, Method.COMPETITOR, Method.SURVEY]
    assert more[0].score > only_team[0].score


def test_every_ranked_item_shows_its_inputs() -> None:
    moment = rank([team(Mot.AMOT, 5, 2), records(Mot.AMOT, 10, 8)])[0]
    for key in (
        "team_importance",
        "team_performance",
        "records_count",
        "base",
        "triangulation_factor",
    ):
        assert key in moment.score_inputs
    assert {e.method for e in moment.evidence} == {Method.TEAM, Method.RECORDS}


def test_the_same_evidence_always_gives_the_same_ranking() -> None:
    evidence = [
        team(Mot.AMOT, 4, 2),
        team(Mot.SMOT, 4, 2),
        team(Mot.FMOT, 3, 3),
        records(Mot.AMOT, 10, 5),
        records(Mot.SMOT, 10, 5),
        records(Mot.ZMOT, 3, 1),
    ]
    first = [(m.mot, m.score) for m in rank(evidence)]
    for seed in range(5):
        shuffled = evidence[:]
        random.Random(seed).shuffle(shuffled)
        assert [(m.mot, m.score) for m in rank(shuffled)] == first


def test_votes_lift_a_moment() -> None:
    evidence = [team(Mot.AMOT, 4, 2), team(Mot.SMOT, 4, 2)]
    plain = by_mot(evidence)
    voted = {m.mot: m for m in rank(evidence, votes={Mot.SMOT: 3})}
    assert voted[Mot.SMOT].score > plain[Mot.SMOT].score  # type: ignore[attr-defined]
    assert voted[Mot.SMOT].rank == 1
