"""Who is talking: the workspace (team) and the participant behind a Rasa sender id.

Senders look like `<channel>:<chat>:<user>` when a chat holds several people
(a Telegram group: answers belong to the group's session but are attributed
to each member), or a plain id for a one-person conversation.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

ANONYMOUS_PREFIX = "anon-"
UNSHAPED_PREFIX = "other:"  # chat workspace keys have one colon; these always have two or more


@dataclass(frozen=True)
class Speaker:
    workspace_key: str
    participant_key: str


def parse_sender(sender_id: str) -> Speaker:
    parts = sender_id.split(":")
    if len(parts) == 3 and all(parts):
        channel, chat, user = parts
        return Speaker(workspace_key=f"{channel}:{chat}", participant_key=f"{channel}:{user}")
    if ":" in sender_id:
        # Not a chat sender, yet shaped like a chat's key ("tg:-77" is a group's
        # workspace): a prefix keeps it from ever landing in that chat's workspace.
        key = f"{UNSHAPED_PREFIX}{sender_id}"
        return Speaker(workspace_key=key, participant_key=key)
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


def pseudonym(key: bytes, channel: str, user_id: int | str) -> str:
    """A stable stand-in for one person; without the key it cannot be turned back into an id."""
    return hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def anonymous_sender(person: str) -> str:
    """The Rasa sender of a survey taker: no chat, no user id, only the pseudonym."""
    return ANONYMOUS_PREFIX + person


def may_answer_survey(sender_id: str) -> bool:
    """Survey answers are anonymous: only a pseudonymous or a local one-person conversation.

    A chat member's own sender (`tg:<chat>:<user>`) carries their user id and, in a
    group, everyone sees the answers; they answer through the survey link instead.
    """
    return not from_chat_channel(sender_id)


LOCAL_UPLOADS = "terminal"  # the local terminal's uploads folder


def upload_folder(sender_id: str) -> str:
    """The folder under UPLOADS_DIR whose files a sender may have analysed: their own chat's.

    Chat adapters save a chat's files under its id; the local terminal under "terminal".
    """
    parts = sender_id.split(":")
    if len(parts) == 3 and all(parts):
        return parts[1]
    return LOCAL_UPLOADS
