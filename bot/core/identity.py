"""Who is talking: the workspace (team) and the participant behind a Rasa sender id.

Senders look like `<channel>:<chat>:<user>` when a chat holds several people
(a Telegram group: answers belong to the group's session but are attributed
to each member), or a plain id for a one-person conversation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Speaker:
    workspace_key: str
    participant_key: str


def parse_sender(sender_id: str) -> Speaker:
    parts = sender_id.split(":")
    if len(parts) == 3 and all(parts):
        channel, chat, user = parts
        return Speaker(workspace_key=f"{channel}:{chat}", participant_key=f"{channel}:{user}")
    return Speaker(workspace_key=sender_id, participant_key=sender_id)


def from_chat_channel(sender_id: str) -> bool:
    """True for senders of a chat channel (`<channel>:<chat>:<user>`), whose people are remote.

    Only a local one-person conversation (the terminal) may name files on this machine.
    """
    return parse_sender(sender_id).workspace_key != sender_id


def sender_for(channel: str, chat_id: int | str, user_id: int | str) -> str:
    """The sender id an adapter gives Rasa for one person in one chat."""
    return f"{channel}:{chat_id}:{user_id}"


def participant_key(channel: str, user_id: int | str) -> str:
    """The key one person has in every workspace of a channel."""
    return f"{channel}:{user_id}"


def private_workspace_key(channel: str, user_id: int | str) -> str:
    """A person's own workspace: on Telegram a private chat's id is the user's id."""
    return f"{channel}:{user_id}"


def conversation_pattern(channel: str, user_id: int | str) -> str:
    """A SQL LIKE pattern matching every sender id of one person in one channel."""
    return f"{channel}:%:{user_id}"
