from tests.chat import Chat

async def test_smoke(community: Chat) -> None:
    chat = community
    hugo = chat.as_("hugo", "host")
    s = await hugo.says('/schedule title="Cuisine facile" when="demain 18h"')
    print(s.key, s.text)
    bob = chat.as_("bob")
    s = await bob.says("/ask 1 Comment débuter ?")
    print(s.key, s.text)
    for p in chat.platform.sent:
        print(p.dest, p.text[:80])
    mod = chat.as_("mia", "moderator")
    s = await mod.says("/queue 1")
    print(s.text, s.buttons())
    assert False
