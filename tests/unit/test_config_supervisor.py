from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.config import configured_language, load_settings, mask_url
from bot.rasa_supervisor import (
    Ports,
    Stack,
    SupervisorError,
    fingerprint,
    language_ports,
    model_languages,
    model_path,
    tracker_store_config,
    training_inputs,
)


def test_defaults_are_the_embedded_sqlite_set_up(tmp_path: Path) -> None:
    settings = load_settings({}, root=tmp_path)
    assert settings.database_url == "sqlite:///var/mot.db"
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'var' / 'mot.db'}"
    assert settings.telegram_bot_token is None
    assert settings.rasa_url == "http://127.0.0.1:5005"


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# local secrets\nTELEGRAM_BOT_TOKEN='123:abc'\nexport RASA_URL=http://x:1\n"
    )
    settings = load_settings({"RASA_URL": "http://y:2"}, root=tmp_path)
    assert settings.telegram_bot_token == "123:abc"
    assert settings.rasa_url == "http://y:2"


def test_teams_talk_english_or_german_each_on_its_own_rasa_server(tmp_path: Path) -> None:
    settings = load_settings({}, root=tmp_path)
    assert settings.chat_languages == ("en", "de")
    assert settings.rasa_url_for("de") == "http://127.0.0.1:5006"
    assert settings.rasa_url_for("fr") == settings.rasa_url  # none of its own: English's
    chosen = load_settings(
        {"MOT_CHAT_LANGUAGES": "en", "RASA_URL": "http://rasa:7000"}, root=tmp_path
    )
    assert chosen.chat_languages == ("en",) and chosen.rasa_url_for("de") == "http://rasa:7000"
    listed = {"MOT_CHAT_LANGUAGES": "DE", "RASA_URL_DE": "http://rasa-de:5005"}
    german = load_settings(listed, root=tmp_path)
    assert german.chat_languages == ("en", "de")  # English always
    assert german.rasa_url_for("de") == "http://rasa-de:5005"


def test_the_language_is_english_unless_mot_language_names_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOT_LANGUAGE", raising=False)
    assert load_settings({}, root=tmp_path).language == "en"
    assert configured_language(None, root=tmp_path) == "en"
    (tmp_path / ".env").write_text("MOT_LANGUAGE=de\n")
    assert load_settings({}, root=tmp_path).language == "de"
    assert configured_language(None, root=tmp_path) == "de"
    assert configured_language({"MOT_LANGUAGE": "fr"}, root=tmp_path) == "fr"


def test_secrets_never_show_in_the_settings_repr(tmp_path: Path) -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": "123:secret", "DATABASE_URL": "postgresql://u:pw@db/mot"},
        root=tmp_path,
    )
    shown = repr(settings)
    assert "secret" not in shown
    assert ":pw@" not in shown
    assert mask_url("postgresql://u:pw@db/mot") == "postgresql://u:***@db/mot"


def _training_tree(root: Path) -> None:
    (root / "data" / "de").mkdir(parents=True)
    (root / "data" / "nlu.yml").write_text("nlu: []\n")
    (root / "data" / "stories.yml").write_text("stories: []\n")
    (root / "data" / "de" / "nlu.yml").write_text("nlu: [de]\n")
    (root / "domain.yml").write_text("intents: []\n")
    (root / "config.yml").write_text("pipeline: []\n")
    (root / "config-de.yml").write_text("language: de\n")


def test_each_language_trains_its_own_nlu_with_the_shared_dialogue(tmp_path: Path) -> None:
    _training_tree(tmp_path)
    assert model_languages(tmp_path) == ["en", "de"]
    names = {lang: [p.relative_to(tmp_path).as_posix() for p in training_inputs(tmp_path, lang)]
             for lang in ("en", "de")}  # fmt: skip
    assert names["en"] == ["domain.yml", "config.yml", "data/nlu.yml", "data/stories.yml"]
    assert names["de"] == ["domain.yml", "config-de.yml", "data/de/nlu.yml", "data/stories.yml"]
    english, german = model_path(tmp_path, "en"), model_path(tmp_path, "de")
    (tmp_path / "data" / "de" / "nlu.yml").write_text("nlu: [de, changed]\n")
    assert model_path(tmp_path, "en") == english  # German data never retrains English
    assert model_path(tmp_path, "de") != german
    (tmp_path / "data" / "stories.yml").write_text("stories: [changed]\n")
    assert model_path(tmp_path, "en") != english  # the dialogue retrains both
    assert german.name.startswith("mot-de-") and english.name.startswith("mot-en-")


def test_a_language_folder_without_its_config_is_no_model(tmp_path: Path) -> None:
    _training_tree(tmp_path)
    (tmp_path / "data" / "fr").mkdir()
    assert model_languages(tmp_path) == ["en", "de"]


def test_model_name_follows_the_training_inputs(tmp_path: Path) -> None:
    _training_tree(tmp_path)
    before = model_path(tmp_path)
    assert model_path(tmp_path) == before
    (tmp_path / "data" / "nlu.yml").write_text("nlu: [changed]\n")
    assert model_path(tmp_path) != before


def test_files_outside_the_inputs_do_not_change_the_fingerprint(tmp_path: Path) -> None:
    _training_tree(tmp_path)
    before = fingerprint(tmp_path)
    (tmp_path / "README.md").write_text("docs")
    assert fingerprint(tmp_path) == before


def test_tracker_store_for_sqlite_uses_the_same_file() -> None:
    config, env = tracker_store_config("sqlite:////tmp/x/mot.db")
    assert config == {"type": "SQL", "dialect": "sqlite", "db": "/tmp/x/mot.db"}
    assert env == {}


def test_tracker_store_password_goes_through_the_environment() -> None:
    config, env = tracker_store_config("postgresql+psycopg://bot:s3cret@db.local:5433/mot")
    assert config["dialect"] == "postgresql"
    assert config["url"] == "db.local"
    assert config["port"] == 5433
    assert "s3cret" not in str(config)
    assert env == {"MOT_TRACKER_DB_PASSWORD": "s3cret"}


def test_endpoints_file_leaves_secrets_to_the_environment(tmp_path: Path) -> None:
    """Rasa substitutes ${VAR} only in bare YAML scalars: secrets must stay unquoted refs."""
    stack = Stack(tmp_path, {"en": tmp_path / "m.tar.gz"}, "postgresql://bot:s3cret@db/mot",
                  Ports(5999, 5998), run_dir=tmp_path)  # fmt: skip
    path, env = stack._write_endpoints(5999)
    written = path.read_text()
    assert "  token: ${MOT_ACTION_TOKEN}\n" in written
    assert "  password: ${MOT_TRACKER_DB_PASSWORD}\n" in written
    assert stack.action_token not in written and "s3cret" not in written
    assert env == {"MOT_ACTION_TOKEN": stack.action_token, "MOT_TRACKER_DB_PASSWORD": "s3cret"}
    assert '  url: "http://127.0.0.1:5998/webhook"\n' in written


def test_with_redis_rasa_gets_a_shared_lock_store_and_without_it_none(tmp_path: Path) -> None:
    shared = Stack(tmp_path, {"en": tmp_path / "m.tar.gz"}, "sqlite://", Ports(5999, 5998),
                   run_dir=tmp_path, redis_url="redis://:pw@cache:6380/1")  # fmt: skip
    path, env = shared._write_endpoints(5999)
    written = path.read_text()
    assert "lock_store:\n" in written and '  url: "cache"\n' in written
    assert "  password: ${MOT_LOCK_STORE_PASSWORD}\n" in written and "pw" not in written
    assert env["MOT_LOCK_STORE_PASSWORD"] == "pw"
    alone = Stack(tmp_path, {"en": tmp_path / "m.tar.gz"}, "sqlite://", Ports(5997, 5998),
                  run_dir=tmp_path)  # fmt: skip
    assert "lock_store" not in alone._write_endpoints(5997)[0].read_text()


def test_a_missing_model_is_refused_rather_than_rasa_picking_another(tmp_path: Path) -> None:
    stack = Stack(tmp_path, {"en": tmp_path / "models" / "mot-en-gone.tar.gz"}, "sqlite://",
                  Ports(5999, 5998), run_dir=tmp_path)  # fmt: skip
    with pytest.raises(SupervisorError, match="the en model is gone"):
        stack.start_rasa("en")
    assert stack.processes == {}


def test_each_more_language_gets_the_next_port_or_a_free_one() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        busy = held.getsockname()[1]
        assert language_ports(["en"], busy, busy + 5) == {}
        assert language_ports(["en", "de"], busy - 1, busy + 5)["de"] not in {busy, busy - 1}
        ports = language_ports(["en", "de", "fr"], 40000, 40001)  # 40001: the action server's
        assert 40001 not in ports.values() and len(set(ports.values())) == 2
