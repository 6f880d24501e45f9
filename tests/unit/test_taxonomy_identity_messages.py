from __future__ import annotations

import pytest

from bot.core.errors import UnknownCode
from bot.core.identity import from_chat_channel, parse_sender, sender_for
from bot.core.messages import MAX_MESSAGE_CHARS, MessageTooLong, check_message
from bot.core.taxonomy import MOMENTS, Mot, Stage, parse_method, parse_mot, parse_stage


@pytest.mark.parametrize("alias", ["tmot", "LMOT", " umot "])
def test_other_names_of_the_ultimate_moment_are_stored_as_umot(alias: str) -> None:
    assert parse_mot(alias) is Mot.UMOT


def test_unknown_codes_name_the_allowed_ones() -> None:
    with pytest.raises(UnknownCode, match="zmot"):
        parse_mot("xmot")
    with pytest.raises(UnknownCode, match="retention"):
        parse_stage("after")
    with pytest.raises(UnknownCode, match="survey"):
        parse_method("gut feeling")


def test_every_moment_has_a_stage_and_levers() -> None:
    assert set(MOMENTS) == set(Mot)
    assert MOMENTS[Mot.AMOT].stage is Stage.DECISION
    assert all(info.levers for info in MOMENTS.values())


def test_group_senders_split_into_workspace_and_participant() -> None:
    speaker = parse_sender(sender_for("tg", -100123, 42))
    assert speaker.workspace_key == "tg:-100123"
    assert speaker.participant_key == "tg:42"


def test_plain_senders_are_their_own_workspace() -> None:
    speaker = parse_sender("terminal-ana")
    assert speaker.workspace_key == speaker.participant_key == "terminal-ana"


def test_oversized_messages_are_refused_with_their_length() -> None:
    assert check_message("  hi \n") == "hi"
    with pytest.raises(MessageTooLong, match=str(MAX_MESSAGE_CHARS + 1)):
        check_message("x" * (MAX_MESSAGE_CHARS + 1))


def test_only_chat_channel_senders_count_as_remote() -> None:
    assert from_chat_channel("tg:-5:7")
    assert not from_chat_channel("terminal-ana")


def test_a_sender_shaped_like_a_chat_key_never_joins_that_chat() -> None:
    group = parse_sender("tg:-77:1").workspace_key
    for odd in ("tg:-77", "tg:-77:", ":tg:-77", "tg:-77:1:2"):
        speaker = parse_sender(odd)
        assert speaker.workspace_key != group and speaker.participant_key != "tg:1"
        assert from_chat_channel(odd)  # and it may not name files or answer surveys
