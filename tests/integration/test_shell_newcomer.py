"""Issue 10, what a newcomer met in the shell, each as a script piped into `python -m bot shell`:
guided forms that take numbers, a quick script that is no flood, a persona that keeps its role,
typos pointed at the command meant, and a demo that says why it adds nothing."""

from __future__ import annotations

import re
from pathlib import Path

from tests.integration.test_shell_script import run_shell

PROMPT = re.compile(r"^[a-z]+@[a-z]+> ", re.MULTILINE)


def section(transcript: str, line: str, after: str = "") -> str:
    """What the shell printed after the first `line` typed (following `after` if given), up to
    the next prompt."""
    rest = transcript.split(after, 1)[1] if after else transcript
    return PROMPT.split(rest.split(line + "\n", 1)[1], 1)[0]


FORMS = """\
/schedule
Initiation à Python
demain 18h
90
-
-
2
/as bob
/ask
1
Comment débuter ?
oui
/live 1
1
/propose
!1
/help
"""


def test_the_guided_forms_take_numbers_and_buttons_stay_pressable(tmp_path: Path) -> None:
    out = run_shell(tmp_path, FORMS)
    assert "Pas de bouton" not in out

    # While a form waits for a typed answer, its Stop button shows as what presses it.
    assert "[!1] Arrêter" in section(out, "alice@discord> /schedule")
    assert "Une courte description ?" in section(out, "alice@discord> 90")
    scheduled = section(out, "alice@discord> 2")
    assert "C’est noté ! Live #1 « Initiation à Python »" in scheduled
    assert "⏱ 90 min" in scheduled and "👥 2 places restantes" in scheduled

    # The guided /ask: the live's number is an answer, and the question goes to the moderators.
    assert "Quelle est ta question ?" in section(out, "bob@discord> 1")
    assert "Ta question Q1 pour #1 est bien reçue" in section(out, "bob@discord> oui")

    # Outside a form, a bare number presses a button, shown plainly.
    details = section(out, "bob@discord> /live 1")
    assert "[1] Participer" in details and "[!1]" not in details
    assert "tu participes au live #1" in section(out, "bob@discord> 1", after="/live 1")

    # In a form, `!1` presses its Stop button.
    assert "[!1] Arrêter" in section(out, "bob@discord> /propose")
    assert "on arrête là" in section(out, "bob@discord> !1")

    # /help says how, after what the person may do.
    helped = section(out, "bob@discord> /help")
    assert "/participer <live>" in helped
    assert "· Dans ce terminal" in helped and "tape !1 pour appuyer" in helped
    assert "Une ligne qui commence par # est un commentaire" in helped


def test_a_script_is_no_flood_and_its_comments_are_skipped(tmp_path: Path) -> None:
    script = "# Alice runs everything herself, quicker than anyone types.\n"
    script += "".join(f'/schedule title="Atelier {n}" when="demain {8 + n}h"\n' for n in range(6))
    script += "/lives\n/live 1\n/myschedule\n/help\n# Bob asks four questions in a row.\n/as bob\n"
    script += "".join(f"/ask 1 Question numéro {n} ?\n" for n in range(1, 5))
    script += "/as alice\n/live 6\n"
    out = run_shell(tmp_path, script)

    assert "Doucement" not in out  # neither the command flood nor the question flood
    last = section(out, 'alice@discord> /schedule title="Atelier 5" when="demain 13h"')
    assert "Live #6 « Atelier 5 »" in last
    fourth = section(out, "bob@discord> /ask 1 Question numéro 4 ?")
    assert "Ta question Q4 pour #1 est bien reçue" in fourth
    assert "Atelier 5" in section(out, "alice@discord> /live 6")
    # Comments are neither echoed nor answered.
    assert "Alice runs everything" not in out and "Bob asks" not in out
    assert "Je ne connais pas" not in out and "Tape une commande" not in out


def readme_tour() -> str:
    """The lines typed in the README's tour, with the `/as` its prompts imply."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    lines, persona = [], "alice"
    for name, typed in re.findall(r"^([a-z]+)@[a-z]+> (.*)$", readme, re.MULTILINE):
        if name != persona:
            lines.append(f"/as {name}")
        lines.append(typed)
        persona = typed.split()[1] if typed.startswith("/as ") else name
    return "\n".join(lines) + "\n"


def test_the_readmes_tour_runs_as_written(tmp_path: Path) -> None:
    """With the demo, as the README offers: Alice's setup, demo and tour were 11 commands in a
    few seconds, and her /end was refused as a flood."""
    out = run_shell(tmp_path, readme_tour(), "--demo")
    for refusal in ("Doucement", "n’as pas le droit", "Je ne connais pas", "Pas de bouton"):
        assert refusal not in out
    assert "Q1 est approuvée" in out  # Mia, moderator, pressed [1]
    assert "Le live #1 « Initiation à Python » est terminé" in out  # Alice still organizes
    assert "You are not signed up for any upcoming live" in out


def test_a_persona_keeps_its_last_role(tmp_path: Path) -> None:
    out = run_shell(
        tmp_path,
        "/as mia moderator\n/as bob\n/as alice\n/as mia\n/as alice member\n/as zoe\n/as alice\n",
    )
    assert "Tu es bob (member)" in section(out, "mia@discord> /as bob")  # a new one: a member
    assert "Tu es alice (organizer)" in section(out, "bob@discord> /as alice")
    assert "Tu es mia (moderator)" in section(out, "alice@discord> /as mia")
    assert "Tu es zoe (member)" in section(out, "alice@discord> /as zoe")
    assert "Tu es alice (member)" in section(out, "zoe@discord> /as alice")  # as last given


TYPOS = """\
/schedule title="Initiation à Python" when="demain 18h"
/shedule title="Cuisine" when="demain 12h"
/as bob
/joni 1
join 1
/in private
join 1
bonjour
/settings language=en
/jion 1
"""


def test_typos_are_pointed_at_the_command_meant(tmp_path: Path) -> None:
    out = run_shell(tmp_path, TYPOS)
    assert (
        "Je ne connais pas la commande /shedule. "
        'Tu voulais dire « /planifier title="Cuisine" when="demain 12h" » ?'
    ) in section(out, 'alice@discord> /shedule title="Cuisine" when="demain 12h"')
    assert "Tu voulais dire « /participer 1 » ?" in section(out, "bob@discord> /joni 1")
    # In a group, plain text is the members' conversation: no suggestion there...
    assert "Tu voulais dire" not in section(out, "bob@discord> join 1")
    # ...but privately a command without its slash is pointed at.
    privately = section(out, "bob@private> join 1")
    assert "Tu voulais dire « /participer 1 » ? Une commande commence par « / »." in privately
    assert "Tu voulais dire" not in section(out, "bob@private> bonjour")
    # In the reader's language, with the command's name in it.
    assert "Did you mean “/join 1”?" in section(out, "bob@private> /jion 1")


def test_the_demo_on_a_folder_with_lives_says_why_it_adds_none(tmp_path: Path) -> None:
    first = run_shell(tmp_path, "", "--demo")
    assert "3 lives de démonstration planifiés" in first

    again = run_shell(tmp_path, "/lives\n", "--demo")
    database = tmp_path / "shell.sqlite3"
    assert (
        f"Il y a déjà des lives à venir dans {database} : la démo n’en ajoute pas. "
        "Supprime ce fichier pour repartir de zéro."
    ) in again
    assert "démonstration planifiés" not in again
    assert "#4" not in section(again, "alice@discord> /lives")  # nothing was added
