"""Storing files sent in a chat: limits, per-chat quota and private (0600/0700) files on disk.

The handler talks to the person; this module decides what may be kept and keeps it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from telegram import Bot
from telegram.error import TelegramError

from bot.adapters.telegram_text import safe_file_name
from bot.config import Settings
from bot.core.texts import text

READABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx"}


@dataclass(frozen=True)
class ChatUploads:
    """One chat's upload folder and the limits its files keep, so one chat cannot fill the disk."""

    uploads_dir: Path
    chat_id: int
    max_file_bytes: int
    quota_bytes: int

    @classmethod
    def of(cls, settings: Settings, chat_id: int) -> ChatUploads:
        return cls(
            settings.uploads_dir, chat_id, settings.max_upload_bytes, settings.upload_quota_bytes
        )

    @property
    def folder(self) -> Path:
        return self.uploads_dir / str(self.chat_id)

    def refusal(self, name: str, size: int | None) -> str | None:
        """Why a file is not even downloaded (too large, a type we cannot read), else None."""
        if size and size > self.max_file_bytes:
            return text("tg.file_too_large", size=_mb(size), limit=_mb(self.max_file_bytes))
        if Path(name).suffix.lower() not in READABLE_SUFFIXES:
            return text("tg.file_type", name=name)
        return None

    def used_bytes(self) -> int:
        """What the chat's raw uploads take on disk now (blocking: run it in a thread)."""
        if not self.folder.is_dir():
            return 0
        return sum(path.stat().st_size for path in self.folder.rglob("*") if path.is_file())

    def over_quota(self, used: int) -> str:
        """The refusal naming the quota, for a file that would pass it."""
        return text("tg.upload_quota", limit=_mb(self.quota_bytes), used=_mb(used))

    def new_path(self, name: str) -> Path:
        """A fresh place for `name`, relative to the uploads folder (what the dialogue is given)."""
        return Path(str(self.chat_id)) / f"{secrets.token_hex(4)}-{safe_file_name(name)}"

    async def download(self, bot: Bot, file_id: str, relative: Path) -> None:
        """Fetch the file into a new private file at `relative`; nothing is left if it fails."""
        target = self.uploads_dir / relative
        try:
            await asyncio.to_thread(_private_folders, self.uploads_dir, self.folder)
            telegram_file = await bot.get_file(file_id)
            with _private_file(target) as handle:
                await telegram_file.download_to_memory(handle)
        except (TelegramError, OSError):
            target.unlink(missing_ok=True)
            raise

    def keep_within_quota(self, relative: Path, used_before: int) -> bool:
        """False (and the file removed) when the downloaded file passed the quota after all.

        Telegram may not announce a file's size, so it is checked again on disk.
        """
        target = self.uploads_dir / relative
        if used_before + target.stat().st_size > self.quota_bytes:
            target.unlink()
            return False
        return True


def remove_uploads(folder: Path) -> int:
    """Delete an upload folder with everything in it; how many files it held."""
    if not folder.is_dir():
        return 0
    count = sum(1 for path in folder.rglob("*") if path.is_file())
    shutil.rmtree(folder)
    return count


def _private_folders(*folders: Path) -> None:
    """Upload folders only this OS user can enter (0700), whatever the umask."""
    for folder in folders:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)


def _private_file(path: Path) -> BinaryIO:
    """A new file only this OS user can read (0600); never follows a planted link."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(descriptor, "wb")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")
