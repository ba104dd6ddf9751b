"""Issue 6 in the shell, as a newcomer would try it: a question asked on the Telegram-like side
is approved from the Discord-like side and goes on air in both; an insult is held and never
reaches the host; two similar questions are merged with their votes; a muted member is refused;
the audit log says who did what; an accepted proposal becomes a live its proposer can edit."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_shell_script import run_shell

SCRIPT = """\
/setup moderation_channel=mods
/schedule title="Cuisine facile" when="demain 18h"
/as bob
/in telegram
/ask 1 Comment débuter en cuisine ?
/as carl
/ask 1 Comment débuter la cuisine ?
/as dan
/ask 1 Tu es un vrai connard
/as mia moderator
/in discord
/queue 1
1
/as eve
/in telegram
/questions 1
1
/as mia moderator
/in discord
/merge Q2 Q1
/mute @dan 2h
/as dan
/in telegram
/ask 1 Et maintenant ?
/as alice organizer
/in discord
/golive 1
/next 1
/questions 1
/modlog 1
/as zoe
/in telegram
/propose title="Pain au levain" description="De la farine, de l'eau, du temps"
/as mia moderator
/in discord
/proposals
1
/as zoe
/in private
/edit 2 when="2027-01-20 18:00"
/publish 2
"""


def test_the_moderated_q_and_a_across_both_sides(tmp_path: Path) -> None:
    out = run_shell(tmp_path, SCRIPT)
    # Bob's question, asked on the Telegram side, waits on the moderators' card...
    assert "[mods] Question Q1 à relire" in out
    # ...the insult is held with its reason and never listed for the audience or the host.
    assert "⚠ contient une insulte" in out
    after_queue = out.split("eve@telegram> /questions 1", 1)[1]
    assert "connard" not in after_queue
    # Approved from the Discord side; Eve votes from the Telegram side.
    assert "Q1 est approuvée" in out
    assert "[1] 👍" in after_queue or "Voter" in after_queue
    # The merge adds the votes, tells both askers and marks Carl's card decided.
    assert "[mods] ✎ Question Q2 pour #1 « Cuisine facile » : fusionnée avec Q1 par Mia" in out
    assert "→ carl:" in out.split("/merge Q2 Q1", 1)[1].split("/mute", 1)[0]
    assert "→ bob:" in out.split("/merge Q2 Q1", 1)[1].split("/mute", 1)[0]
    # Dan, muted, is refused with a clear message.
    refused = out.split("dan@telegram> /ask 1 Et maintenant ?", 1)[1]
    assert "suspendu tes questions" in refused.splitlines()[1]
    # On air in both spaces at once.
    on_air = out.split("alice@discord> /next 1", 1)[1].split("alice@discord> /questions 1", 1)[0]
    assert (
        "[discord]" in on_air and "[telegram]" in on_air and "Comment débuter en cuisine" in on_air
    )
    # The audit log: who approved, merged, muted and put on air.
    log = out.split("alice@discord> /modlog 1", 1)[1].split("zoe@", 1)[0]
    for done in (
        "Mia · a approuvé Q1",
        "Mia · a fusionné Q2 avec Q1",
        "a suspendu les questions de Dan",
        "Alice · a mis Q1 à l’antenne",
    ):
        assert done in log, (done, log)
    # Zoé's accepted proposal is a draft live #2 that she edits and publishes.
    tail = out.split("zoe@private> /edit 2", 1)[1]
    assert "#2" in tail and "Pain au levain" in tail
    assert "📣 Nouveau live !" in tail.split("/publish 2", 1)[1]
