"""`mot`: a thin command line over the library."""

from __future__ import annotations

import getpass
import json
import signal
import sys

import click

from bot import services
from bot.app import build_app
from bot.config import DEFAULT_ACTION_PORT, DEFAULT_RASA_PORT, load_settings, mask_url
from bot.core.errors import MotError


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.group()
def main() -> None:
    """Find your product's moments of truth with a chatbot interview."""


@main.command()
@click.option("--name", default=None, help="Your name in the chat (default: your login).")
@click.option("--rasa-port", default=DEFAULT_RASA_PORT, show_default=True, type=int)
@click.option("--actions-port", default=DEFAULT_ACTION_PORT, show_default=True, type=int)
def run(name: str | None, rasa_port: int, actions_port: int) -> None:
    """Start everything on the embedded default and chat in this terminal."""
    from bot.adapters.rest import RestClient
    from bot.adapters.terminal import chat
    from bot.engine import Ports, Stack, ensure_model, running_stack
    from bot.storage.db import upgrade

    settings = load_settings()
    if settings.telegram_bot_token:
        raise click.ClickException(
            "TELEGRAM_BOT_TOKEN is set, but the Telegram front-end is not available yet. "
            "Unset it to chat in the terminal."
        )
    _progress(f"Database: {mask_url(settings.database_url)} (migrating) ...")
    upgrade(settings.sqlalchemy_url, settings.root)
    model = ensure_model(settings.root, _progress)
    stack = Stack(settings.root, model, settings.sqlalchemy_url, Ports(rasa_port, actions_port))
    user = name or getpass.getuser()
    # A plain `kill` must stop the servers too: turn SIGTERM into a normal exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with running_stack(stack, _progress):
            chat(RestClient(stack.rasa_url), sender=f"terminal-{user}", display_name=user)
    except KeyboardInterrupt:
        _progress("\nStopped.")
    _progress("Servers stopped. Your answers are saved; `make run` continues where you left.")


@main.command()
@click.option("--force", is_flag=True, help="Train even when nothing changed.")
def train(force: bool) -> None:
    """Train the dialogue model when data/, domain.yml or config.yml changed."""
    from bot.engine import ensure_model

    click.echo(ensure_model(load_settings().root, _progress, force=force))


@main.command("model-path")
def model_path_command() -> None:
    """Print where the model for the current training data lives."""
    from bot.engine import model_path

    click.echo(model_path(load_settings().root))


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    from bot.storage.db import upgrade

    settings = load_settings()
    upgrade(settings.sqlalchemy_url, settings.root)
    click.echo(f"Database is up to date: {mask_url(settings.database_url)}")


@main.command()
@click.option("--url", default=None, help="Rasa server (default: RASA_URL).")
@click.option("--sender", default=None, help="Conversation id (default: terminal-<login>).")
def chat(url: str | None, sender: str | None) -> None:
    """Chat with an already running Rasa server."""
    from bot.adapters.rest import RestClient
    from bot.adapters.terminal import chat as chat_loop

    user = getpass.getuser()
    chat_loop(RestClient(url or load_settings().rasa_url), sender or f"terminal-{user}", user)


@main.group()
def session() -> None:
    """Interview sessions."""


@session.command("show")
@click.argument("session_id", required=False)
def session_show(session_id: str | None) -> None:
    """Print a session's product context as JSON (default: the latest session)."""
    app = build_app()
    try:
        view = services.get_session(app.uow, session_id)
    except MotError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    context = view.context
    click.echo(
        json.dumps(
            {
                "id": view.id,
                "workspace": view.workspace_key,
                "status": view.status,
                "product": context.product_name if context else None,
                "business": context.business.value if context else None,
                "channels": context.channels if context else [],
                "typical_customer": context.typical_customer if context else None,
            },
            indent=2,
        )
    )
