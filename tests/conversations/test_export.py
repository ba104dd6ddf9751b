"""/export: the community's lives, sign-ups or questions as a CSV file, and what the shell does
with a file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.adapters.shell.adapter import Shell, ShellPlatform
from bot.adapters.shell.render import attachment_line
from bot.core.messages import Attachment, Request
from bot.core.reports.export import status_key
from bot.domain.model import LiveStatus, QuestionStatus, SignupStatus, SpaceRef, UserRef
from bot.i18n.catalog import LOCALES, catalog
from tests.chat import Chat, Said
from tests.conversations.test_stats import history, ok

BOM = b"\xef\xbb\xbf"


def file_of(said: Said) -> Attachment:
    attachment = said.reply.messages[0].attachment
    assert attachment is not None, said.text
    return attachment


def rows_of(said: Said) -> list[list[str]]:
    """The CSV as a spreadsheet reads it: UTF-8 with its byte order mark, header first."""
    data = file_of(said).content
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def export(chat: Chat, what: str, who: str = "olga") -> Said:
    said = await chat.as_(who, "organizer").says(f"/exporter {what}")
    assert said.ok, said.text
    return said


# -- the three files ----------------------------------------------------------------------------


async def test_lives_one_a_line_with_their_figures(community: Chat) -> None:
    await history(community)
    said = await export(community, "lives")
    assert file_of(said).filename == "lives.csv" and not file_of(said).image
    assert said.text.startswith("📎 Export des lives : 4 lives de la communauté, un par ligne")
    assert "Heures en UTC" in said.text
    assert rows_of(said) == [
        ["live", "titre", "statut", "début (UTC)", "durée (min)", "places", "tags", "animation",
         "inscriptions confirmées", "liste d’attente", "présences", "notes", "note moyenne",
         "questions", "lien", "replay"],
        ["#1", "Cours de cuisine", "terminé", "2026-11-23T17:00:00Z", "60", "3", "", "Olga",
         "4", "1", "3", "2", "5.00", "3", "", ""],
        ["#2", "Atelier CV", "terminé", "2026-11-24T17:00:00Z", "60", "", "", "Olga",
         "2", "0", "1", "1", "3.00", "1", "", ""],
        ["#3", "Yoga", "annulé", "2026-11-25T17:00:00Z", "60", "", "", "Olga",
         "1", "0", "0", "0", "", "0", "", ""],
        ["#4", "Python", "à venir", "2026-12-10T17:00:00Z", "60", "", "", "Olga",
         "1", "0", "0", "0", "", "0", "", ""],
    ]  # fmt: skip


async def test_signups_name_members_by_their_display_name_only(community: Chat) -> None:
    await history(community)
    # Someone whose platform id is a number, as on Telegram and Discord.
    someone = Request(
        UserRef("shell", "778899"), "", {}, SpaceRef("shell", "discord"), frozenset(),
        "Zoé Martin", None, "zoem", "/participer 4",
    )  # fmt: skip
    assert (await community.core.handle_text(someone)).ok
    said = await export(community, "inscriptions")
    assert file_of(said).filename == "signups.csv"
    assert said.text.startswith("📎 Export des inscriptions : 10 inscriptions, une par ligne")
    rows = rows_of(said)
    assert rows[0] == [
        "live", "titre du live", "début du live (UTC)", "membre", "plateforme", "statut",
        "date d’inscription (UTC)", "présence",
    ]  # fmt: skip
    first_live = [row for row in rows if row[0] == "#1"]
    assert [(r[3], r[5], r[7]) for r in first_live] == [
        ("Bob", "confirmée", "oui"),
        ("Ann", "confirmée", "non"),
        ("Tia", "confirmée", "oui"),
        ("Carl", "en liste d’attente", "non"),
        ("Zoe", "confirmée", "oui"),  # walked in: signed up when pressing "I'm here"
    ]
    assert first_live[0][1:3] == ["Cours de cuisine", "2026-11-23T17:00:00Z"]
    assert first_live[0][6] == "2026-11-22T13:00:10Z"  # ten seconds into the history
    assert first_live[4][6] == "2026-11-23T17:00:08Z"  # when she pressed "I'm here"
    assert ["#4", "Python", "2026-12-10T17:00:00Z", "Zoé Martin", "shell", "confirmée"] == rows[-1][
        :6
    ]
    assert b"778899" not in file_of(said).content and b"zoem" not in file_of(said).content


async def test_questions_keep_anonymous_authors_anonymous(community: Chat) -> None:
    await history(community)
    said = await export(community, "questions")
    assert file_of(said).filename == "questions.csv"
    assert said.text.startswith("📎 Export des questions : 4 questions, une par ligne")
    assert rows_of(said) == [
        ["question", "live", "titre du live", "posée par", "texte", "statut", "votes",
         "posée le (UTC)"],
        ["Q1", "#1", "Cours de cuisine", "Bob", "Comment réussir une pâte ?", "répondue", "0",
         "2026-11-22T13:00:26Z"],
        ["Q2", "#1", "Cours de cuisine", "anonyme", "Faut-il un robot ?", "approuvée", "0",
         "2026-11-22T13:00:28Z"],
        ["Q3", "#1", "Cours de cuisine", "Tia", "Et les allergies ?", "refusée", "0",
         "2026-11-22T13:00:30Z"],
        ["Q4", "#2", "Atelier CV", "Carl", "Quel format de CV ?", "en attente", "0",
         "2026-11-22T13:00:32Z"],
    ]  # fmt: skip
    assert b"Ann" not in file_of(said).content  # her only question was anonymous


async def test_after_forgetme_an_answered_question_names_a_deleted_member(
    community: Chat,
) -> None:
    await history(community)
    await ok(community.as_("bob"), "/forgetme oui")
    await ok(community.as_("ann"), "/forgetme oui")
    rows = rows_of(await export(community, "questions"))
    assert [(r[0], r[3]) for r in rows[1:]] == [
        ("Q1", "membre supprimé"),  # answered: kept, without his name
        ("Q2", "anonyme"),  # anonymous stays anonymous, gone or not
        ("Q3", "Tia"),
        ("Q4", "Carl"),
    ]


async def test_the_file_in_english_says_anonymous_and_deleted_member(community: Chat) -> None:
    await history(community)
    await ok(community.as_("bob"), "/forgetme oui")
    olga = community.as_("olga", "organizer")
    await ok(olga, "/settings language=en")
    said = await olga.says("/export questions")
    assert said.text.startswith("📎 Questions export: 4 questions, one a line")
    rows = rows_of(said)
    assert rows[0] == [
        "question", "live", "live title", "author", "text", "status", "votes", "asked at (UTC)",
    ]  # fmt: skip
    assert [(r[3], r[5]) for r in rows[1:]] == [
        ("deleted member", "answered"),
        ("anonymous", "approved"),
        ("Tia", "rejected"),
        ("Carl", "pending"),
    ]


async def test_user_text_never_runs_as_a_spreadsheet_formula(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    await ok(olga, '/schedule title="=HYPERLINK(1) cuisine" when="demain 18h"')
    await ok(community.as_("bob"), "/ask 1 @SUM(A1) ou +1 ?")
    assert rows_of(await export(community, "lives"))[1][1] == "'=HYPERLINK(1) cuisine"
    assert rows_of(await export(community, "questions"))[1][4] == "'@SUM(A1) ou +1 ?"


async def test_one_row_reads_in_the_singular(community: Chat) -> None:
    await ok(community.as_("olga", "organizer"), '/schedule title="Yoga" when="demain 18h"')
    said = await export(community, "lives")
    assert said.text.startswith("📎 Export des lives : 1 live de la communauté, un par ligne")


# -- scope, permission, bad input ---------------------------------------------------------------


async def test_only_this_communitys_rows(community: Chat) -> None:
    await history(community)
    lyon = community.as_("olga", "organizer", space="lyon")
    await ok(lyon, '/setup name="Lyon"')
    await ok(lyon, '/schedule title="Vélo" when="2026-11-28 18:00"')
    await ok(community.as_("bob", space="lyon"), "/join 5")
    assert [row[0] for row in rows_of(await export(community, "lives"))[1:]] == [
        "#1", "#2", "#3", "#4",
    ]  # fmt: skip
    from_lyon = await lyon.says("/exporter inscriptions")
    assert [row[:4] for row in rows_of(from_lyon)[1:]] == [
        ["#5", "Vélo", "2026-11-28T17:00:00Z", "Bob"]
    ]


async def test_nothing_to_export_yet_sends_no_file(community: Chat) -> None:
    said = await export(community, "questions")
    assert said.key == "export.empty"
    assert said.reply.messages[0].attachment is None


@pytest.mark.parametrize("role", ["member", "host", "moderator"])
async def test_only_organizers_export(community: Chat, role: str) -> None:
    await history(community)
    said = await community.as_("bob", role).says("/exporter inscriptions")
    assert not said.ok and said.key == "error.forbidden"
    assert said.reply.messages[0].attachment is None


async def test_an_export_is_a_private_answer(community: Chat) -> None:
    await history(community)
    said = await export(community, "lives")
    assert not said.reply.public


@pytest.mark.parametrize(
    ("line", "key", "shown"),
    [
        ("/exporter membres", "export.bad_what", "Je ne sais pas exporter « membres »"),
        ("/exporter", "export.which", "/exporter inscriptions"),
    ],
)
async def test_what_to_export_must_be_one_of_three(
    community: Chat, line: str, key: str, shown: str
) -> None:
    said = await community.as_("olga", "organizer").says(line)
    assert not said.ok and said.key == key
    assert shown in said and "lives" in said and "questions" in said


async def test_a_bad_choice_in_english_lists_the_english_words(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    await ok(olga, "/settings language=en")
    said = await olga.says("/export members")
    assert said.text == (
        "I can’t export “members”. Pick lives, signups or questions. Example: /export signups"
    )


def test_every_status_has_a_word_in_both_languages() -> None:
    keys = [status_key(s) for family in (LiveStatus, SignupStatus, QuestionStatus) for s in family]
    assert len(keys) == len(set(keys)) == 14
    missing = [(loc, k) for loc in LOCALES for k in keys if k not in catalog(loc)]
    assert missing == []


# -- the shell writes the file --------------------------------------------------------------------


async def test_the_shell_writes_the_file_under_data_exports(
    community: Chat, tmp_path: Path
) -> None:
    await history(community)
    out = io.StringIO()
    folder = tmp_path / "data" / "exports"
    shell = Shell(community.core, ShellPlatform(out, folder), io.StringIO(), out)
    shell.name, shell.role = "olga", "organizer"
    await shell.handle("/exporter lives")
    written = folder / "lives.csv"
    assert written.read_bytes().startswith(BOM + b"live,titre")
    shown = out.getvalue().splitlines()
    assert shown[0].startswith("  → olga: 📎 Export des lives : 4 lives")
    assert shown[-1] == f"  → olga: {attachment_line(written, written.stat().st_size)}"
    assert f"📎 {folder.as_posix()}/lives.csv (" in shown[-1]


def test_the_shell_shows_a_file_size_people_read() -> None:
    assert attachment_line(Path("data/exports/lives.csv"), 1234) == (
        "📎 data/exports/lives.csv (1.2 kB)"
    )
    assert attachment_line(Path("data/exports/a.csv"), 532) == "📎 data/exports/a.csv (532 B)"
    assert attachment_line(Path("x.png"), 2_500_000) == "📎 x.png (2.5 MB)"


def test_a_file_name_cannot_leave_the_exports_folder(tmp_path: Path) -> None:
    platform = ShellPlatform(io.StringIO(), tmp_path / "exports")
    platform.save(Attachment("../../escape.csv", b"x"))
    assert (tmp_path / "exports" / "escape.csv").read_bytes() == b"x"
    assert not (tmp_path.parent / "escape.csv").exists()
