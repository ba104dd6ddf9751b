"""First start of the shell: a local community with both simulated spaces, and optional demo lives.

Everything goes through the same commands a person would type, so the shell shows the real product.
"""

from __future__ import annotations

from bot.adapters.shell.adapter import Shell

DEMO = (
    '/schedule title="Initiation à Python" when="demain 18h" duration=90 capacity=20 '
    "link=https://example.org/python tags=code,débutant",
    '/schedule title="Cuisine anti-gaspi" when="dans 3 jours à 12h" duration=45 tags=cuisine',
    '/schedule title="Écrire son CV" when="mardi prochain 19h" capacity=2 tags=emploi',
)


async def ensure_community(shell: Shell) -> bool:
    """Creates and links the local community once; True when it had to."""
    known = await shell.core.store.run(lambda uow: uow.communities.space("shell", "discord"))
    if known is not None:
        return False
    await shell.core.handle_text(shell.request('/setup name="Solidaire (local)"'))
    reply = await shell.core.handle_text(shell.request("/link"))
    code = str(reply.messages[0].text.params["code"])
    shell.space = "telegram"
    await shell.core.handle_text(shell.request(f"/link {code}"))
    shell.space = "discord"
    shell._say("shell.ready")
    return True


async def seed_demo(shell: Shell, database_file: str | None) -> None:
    """Schedules a few lives to play with, only into an empty programme; else says why not
    (`database_file`: where the lives already are, when it is a file one can delete)."""
    listing = await shell.core.handle_text(shell.request("/lives"))
    if listing.messages[0].text.key != "lives.none":
        if database_file is None:
            shell._say("shell.demo_kept")
        else:
            shell._say("shell.demo_kept_file", path=database_file)
        return
    shell.platform.quiet = True  # 3 lives x 2 spaces of announcements would bury the prompt
    try:
        for line in DEMO:
            await shell.core.handle_text(shell.request(line))
    finally:
        shell.platform.quiet = False
    shell._say("shell.demo", count=len(DEMO))
