"""Survey exports as six tools write them, read by the real `mot survey analyze`.

The fixtures are one survey (40 responses, NPS -30, CSAT 2.83) exported from
Google Forms, Typeform, SurveyMonkey (two header rows), QuestionPro, Microsoft
Forms (XLSX) and a German tool (semicolons, cp1252); see
tests/fixtures/surveys/make_exports.py, which wrote them.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "surveys"
MOT = Path(sys.executable).with_name("mot")


def _exports() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_exports", FIXTURES / "make_exports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_exports"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


EXPORTS = _exports()
PEOPLE = EXPORTS.respondents()


def mot(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MOT), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=cwd,
        check=False,
    )


def analyze(path: Path, *options: str, cwd: Path) -> dict[str, Any]:
    done = mot("survey", "analyze", path, "--format", "json", *options, cwd=cwd)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("name", sorted(EXPORTS.EXPORTS))
def test_each_tools_export_gives_the_same_numbers_and_names_its_columns(
    name: str, tmp_path: Path
) -> None:
    result = analyze(FIXTURES / name, cwd=tmp_path)
    assert result["responses"] == 40
    assert result["nps"] == -30.0
    assert result["csat"] == 2.83
    assert (result["promoters"], result["passives"], result["detractors"]) == (6, 9, 15)
    assert result["skipped"] == []
    headers = EXPORTS.EXPORTS[name]
    assert result["columns"] == {
        "nps": headers["nps"],
        "csat": headers["csat"],
        "open": headers["open"],
    }
    # Customers' words are there; what the tool added about them is not.
    assert sum(m["positive"] + m["negative"] for m in result["moments"]) > 20
    out = json.dumps(result, ensure_ascii=False)
    for person in PEOPLE:
        assert person.email not in out
        assert person.last not in out
        assert person.ip not in out
        assert person.token not in out
    assert "@example.com" not in out  # not even one typed into an open answer


def test_respondents_who_skip_the_open_questions_still_count(tmp_path: Path) -> None:
    silent = [p for p in PEOPLE if p.liked is None and p.better is None]
    assert len(silent) >= 10
    path = tmp_path / "scores_only.csv"
    rows = ["NPS,CSAT,What did you like most?,What could we do better?"]
    rows += [f"{p.nps if p.nps is not None else ''},{p.csat or ''},," for p in silent]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = analyze(path, cwd=tmp_path)
    assert result["responses"] == len(silent)
    assert result["moments"] == []


def test_the_table_format_shows_the_mapping(tmp_path: Path) -> None:
    done = mot("survey", "analyze", FIXTURES / "german.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "40 responses, 0 skipped" in done.stdout
    assert "NPS ← 'Wie wahrscheinlich ist es, dass Sie Crate einem Freund" in done.stdout
    assert "CSAT ← 'Wie zufrieden sind Sie insgesamt mit Crate?'" in done.stdout
    assert "open answers ← 'Was hat Ihnen gefallen?', 'Was können wir besser machen?'" in (
        done.stdout
    )
    assert "NPS: -30.0" in done.stdout


def _plain_questions(tmp_path: Path) -> Path:
    """Questions a recogniser cannot know: "Q1".."Q4", two of them 0-10 scores."""
    path = tmp_path / "plain.csv"
    lines = ["Q1,Q2,Q3,Q4"]
    for p in PEOPLE:
        score = "" if p.nps is None else str(p.nps)
        other = str((p.number * 7) % 11)
        lines.append(f'{score},{other},{p.csat or ""},"{EXPORTS._better(p)}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_ambiguous_file_says_what_it_found_and_how_to_name_it(tmp_path: Path) -> None:
    done = mot("survey", "analyze", _plain_questions(tmp_path), "--format", "json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "2 columns could be the NPS: 'Q1', 'Q2'" in lines[0]
    assert "--nps-column" in lines[0]


def test_overrides_name_the_columns(tmp_path: Path) -> None:
    path = _plain_questions(tmp_path)
    result = analyze(
        path, "--nps-column", "q1", "--csat-column", "Q3", "--text-column", "Q4", cwd=tmp_path
    )
    assert result["columns"] == {"nps": "Q1", "csat": "Q3", "open": ["Q4"]}
    assert (result["responses"], result["nps"], result["csat"]) == (40, -30.0, 2.83)


def test_an_override_can_give_part_of_a_long_question(tmp_path: Path) -> None:
    result = analyze(
        FIXTURES / "typeform.csv",
        "--nps-column", "recommend Crate",
        "--text-column", "what could we do better",
        cwd=tmp_path,
    )  # fmt: skip
    assert result["columns"]["nps"] == EXPORTS.TYPEFORM["nps"]
    assert result["columns"]["open"] == [EXPORTS.TYPEFORM["open"][1]]
    assert result["nps"] == -30.0


def test_an_override_naming_no_column_lists_the_columns(tmp_path: Path) -> None:
    done = mot(
        "survey", "analyze", FIXTURES / "google_forms.csv", "--nps-column", "Score", cwd=tmp_path
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--nps-column: no column 'Score'" in lines[0]
    assert "'What did you like most?'" in lines[0]


def test_an_override_naming_a_column_without_scores_is_refused(tmp_path: Path) -> None:
    """Naming the open question as the NPS would make every respondent a detractor."""
    for flag in ("--nps-column", "--csat-column"):
        done = mot(
            "survey", "analyze", FIXTURES / "google_forms.csv", flag, "like most", cwd=tmp_path
        )
        assert done.returncode == 2 and done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1
        assert f"{flag}: the column 'What did you like most?' holds no scores" in lines[0]


def test_a_file_without_survey_columns_says_what_it_found(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "Respondent ID,Email,Name,Plan\n"
        + "".join(f"{p.number},{p.email},{p.first} {p.last},Basic\n" for p in PEOPLE),
        encoding="utf-8",
    )
    done = mot("survey", "analyze", path, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no survey columns recognised" in lines[0]
    assert (
        "'Plan'" in lines[0]
        and "ignored as metadata: 'Respondent ID', 'Email', 'Name'" in (lines[0])
    )
    assert "--nps-column, --csat-column and --text-column" in lines[0]
    assert "@example.com" not in done.stderr


# --- in the chat -------------------------------------------------------------


async def _send(app: Any, name: str, slots: dict[str, Any], domain: dict[str, Any]) -> str:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.interview import ActionReceiveFile
    from tests.integration.conftest import make_tracker
    from tests.integration.test_interview_actions import texts
    from tests.integration.test_uploads_and_people import GROUP_SENDER, upload_message

    target = app.settings.uploads_dir / "-5" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((FIXTURES / name).read_bytes() if (FIXTURES / name).exists() else b"")
    message = upload_message(f"-5/{name}")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(GROUP_SENDER, slots=slots, text=message["text"],
                           intent="upload_file", entities=message["entities"])  # fmt: skip
    await ActionReceiveFile().run(dispatcher, tracker, domain)
    said: str = texts(dispatcher)
    return said


async def test_an_export_sent_in_the_chat_shows_the_columns_used(
    app: Any, domain: dict[str, Any]
) -> None:
    from bot import services
    from tests.integration.test_interview_actions import session_slots

    slots = await session_slots(domain)
    said = await _send(app, "microsoft_forms.xlsx", slots, domain)
    assert "I read 40 survey responses (0 skipped): NPS -30.0, CSAT 2.83." in said
    assert (
        "I used: NPS ← 'How likely are you to recommend Crate to a friend or colleague?', "
        "CSAT ← 'Overall, how satisfied are you with Crate?', "
        "open answers ← 'What did you like most?', 'What could we do better?'."
    ) in said
    assert "names are never read" in said and "there you can name them" in said
    assert "added this" in said
    stored = " ".join(e.text for e in services.evidence_of(app.uow, slots["session_id"]))
    assert stored.strip()
    for person in PEOPLE:
        assert person.email not in stored and person.last not in stored


def test_an_unclear_export_in_the_chat_says_how_to_fix_it_without_cli_options(
    tmp_path: Path,
) -> None:
    from bot.core.texts import render
    from bot.interview_service import read_file, unreadable
    from bot.tables import UnreadableTable

    path = _plain_questions(tmp_path)
    with pytest.raises(UnreadableTable) as raised:
        read_file("survey.results", path)
    said = render(unreadable(raised.value, path))
    assert "2 columns could be the NPS: 'Q1', 'Q2'" in said
    assert "rename the one to use to NPS and send the file again" in said
    assert "--" not in said and str(tmp_path) not in said


def test_a_qualtrics_export_with_three_header_rows_is_read_by_its_question_texts(
    tmp_path: Path,
) -> None:
    """Ids, then question texts, then ImportId JSON; the derived NPS group is not the score."""
    import csv

    path = tmp_path / "qualtrics.csv"
    scores = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5]  # 4 promoters, 4 detractors: NPS 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["StartDate", "ResponseId", "Q1_NPS_GROUP", "Q1", "Q2", "Q3"])
        writer.writerow(["Start Date", "Response ID",
                         "How likely are you to recommend us to a friend? - Group",
                         "How likely are you to recommend us to a friend?",
                         "How satisfied are you overall?",
                         "Why did you give that score?"])  # fmt: skip
        writer.writerow(['{"ImportId":"startDate"}', '{"ImportId":"_recordId"}',
                         '{"ImportId":"QID1_NPS_GROUP"}', '{"ImportId":"QID1"}',
                         '{"ImportId":"QID2"}', '{"ImportId":"QID3_TEXT"}'])  # fmt: skip
        for n, score in enumerate(scores):
            group = 3 if score >= 9 else 2 if score >= 7 else 1
            writer.writerow([f"2026-11-0{n % 9 + 1} 10:00", f"R_{n}", group, score, 4,
                             "Fast delivery" if n % 2 else ""])  # fmt: skip
    result = analyze(path, cwd=tmp_path)
    assert (result["responses"], result["nps"], result["csat"]) == (10, 0.0, 4.0)
    assert result["columns"] == {
        "nps": "How likely are you to recommend us to a friend?",
        "csat": "How satisfied are you overall?",
        "open": ["Why did you give that score?"],
    }
