"""The first thing a newcomer does: pipe a script into `python -m bot` with no token at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """\
/schedule title="Initiation à Python" when="demain 18h" capacity=2
/as ann
/join 1
/as bob
/join 1
/as cid
/join 1
/as ann
/leave 1
/as cid
/ask live=1 anonymous=yes question="Comment débuter ?"
/as mia moderator
/queue 1
1
/as alice organizer
/golive 1
/next 1
/end 1 https://example.org/replay
/as bob
/settings language=en
/lives
/myschedule
"""


def run_shell(folder: Path, script: str, *options: str, url: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env["SOLIDAIRE_DATABASE_URL"] = url or f"sqlite:///{folder / 'shell.sqlite3'}"
    env["SOLIDAIRE_WEB_LISTEN"] = "127.0.0.1:0"  # any free port: tests never fight over one
    env.pop("SOLIDAIRE_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "shell", *options],
        input=script,
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def section(transcript: str, prompt: str) -> str:
    """What the bot printed after one line of the script, up to the next prompt."""
    after = transcript.split(prompt, 1)[1]
    return after.split("> ", 1)[0]


def test_the_whole_live_in_french_then_english(tmp_path: Path) -> None:
    out = run_shell(tmp_path, SCRIPT)

    scheduled = section(out, "alice@discord> /schedule")
    assert "Live #1 « Initiation à Python »" in scheduled
    assert "(heure de Paris)" in scheduled
    assert "[discord] 📣 Nouveau live !" in scheduled
    assert "[telegram] 📣 Nouveau live !" in scheduled

    assert "tu participes au live #1" in section(out, "ann@discord> /join 1")
    assert "tu participes au live #1" in section(out, "bob@discord> /join 1")
    assert "liste d’attente" in section(out, "cid@discord> /join 1")

    left = section(out, "ann@discord> /leave 1")
    assert "tu ne participes plus" in left
    assert "→ cid: 🎉 Une place s’est libérée" in left

    asked = section(out, "cid@discord> /ask")
    assert "→ cid:" in asked

    queue = section(out, "mia@discord> /queue 1")
    assert "Comment débuter ?" in queue
    assert "cid" in queue.lower()  # moderators see who asked, even anonymously

    on_air = section(out, "alice@discord> /next 1")
    assert "[discord]" in on_air and "[telegram]" in on_air
    assert "Comment débuter ?" in on_air
    assert "cid" not in on_air.lower()  # the audience does not see who asked

    live_now = section(out, "alice@discord> /golive 1")
    assert "[telegram] 🔴 C’est parti !" in live_now

    ended = section(out, "alice@discord> /end 1")
    assert "[discord] ✅ Le live #1 « Initiation à Python » est terminé." in ended
    assert "https://example.org/replay" in ended

    assert "Saved ✅" in section(out, "bob@discord> /settings language=en")
    assert "You are not signed up for any upcoming live" in section(out, "bob@discord> /myschedule")


def test_the_end_of_input_ends_the_shell_cleanly(tmp_path: Path) -> None:
    out = run_shell(tmp_path, "")
    assert "Solidaire" in out
    assert (tmp_path / "shell.sqlite3").exists()


def test_a_form_left_waiting_takes_its_number_after_the_shell_restarts(tmp_path: Path) -> None:
    """The form is kept in the database: started before a stop, its next answer may be a
    number typed after the restart, and it is that answer, not a press of button 30."""
    asked = run_shell(tmp_path, "/schedule\nAtelier Git\ndemain 18h\n")
    assert "Combien de minutes ?" in asked

    after = run_shell(tmp_path, "30\n")

    assert "Pas de bouton" not in after
    assert "Une courte description ?" in section(after, "alice@discord> 30")
