"""Auto-moderation checks per second: the default French and English filter over realistic questions.

The questions are generated (seeded): mostly clean French and English questions, some with an
insult (plain, accented, leetspeak, stretched), a link, a mention, shouting or a flood of characters.
A check is one question through `Automod.check`, as `/ask` does before storing it.

Run: python bench/automod.py [--questions 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.automod import REASONS, Automod

OPENINGS = (
    "Comment", "Pourquoi", "Est-ce qu'on peut", "Quelle est la meilleure façon de",
    "Tu conseilles de", "How do I", "Why does it", "What is the best way to", "Should we",
)  # fmt: skip
TOPICS = (
    "débuter en Python quand on vient du JavaScript", "cuire les pâtes sans qu'elles collent",
    "réussir une pâte à pizza maison", "organiser une session de révision à plusieurs",
    "classer ses photos de vacances", "apprendre la guitare après trente ans",
    "get started with Rust for embedded work", "keep a sourdough starter alive in summer",
    "write tests that do not sleep", "choose between SQLite and PostgreSQL for a small bot",
    "prepare a talk in front of a technical audience", "réparer une chambre à air de vélo",
)  # fmt: skip
ENDINGS = (" ?", " ?", " merci !", "? thanks", " pour un débutant ?", " in practice?")
INSULTS = ("connard", "ENCULÉ", "s4lope", "connnnnard", "fils de pute", "b1tch", "asshole", "fuck")
LINKS = ("https://promo.example/offre", "www.pas-cher.fr", "discord.gg/abcdef", "example.com")
MENTIONS = ("@everyone", "@here", "<@123456789>")


def question(rng: random.Random) -> str:
    text = f"{rng.choice(OPENINGS)} {rng.choice(TOPICS)}{rng.choice(ENDINGS)}"
    roll = rng.random()
    if roll < 0.06:
        return f"{text} {rng.choice(INSULTS)}"
    if roll < 0.10:
        return f"{text} {rng.choice(LINKS)}"
    if roll < 0.12:
        return f"{rng.choice(MENTIONS)} {text}"
    if roll < 0.15:
        return text.upper()
    if roll < 0.17:
        return f"{text}{'?' * rng.randint(6, 12)}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="1,000 questions: a smoke run (CI)")
    args = parser.parse_args()
    if args.quick:
        args.questions = 1_000
    rng = random.Random(args.seed)
    texts = [question(rng) for _ in range(args.questions)]

    started = time.perf_counter()
    automod = Automod.default()
    built = time.perf_counter() - started

    check = automod.check
    started = time.perf_counter()
    results = [check(text) for text in texts]
    elapsed = time.perf_counter() - started

    counts = Counter(reason for reasons in results for reason in reasons)
    flagged = sum(1 for reasons in results if reasons)
    print(f"default filter: {len(automod.terms)} lexicon terms, built in {built * 1000:.1f} ms")
    print(
        f"{len(texts)} questions in {elapsed:.3f} s: {len(texts) / elapsed:,.0f} checks/s, "
        f"{elapsed / len(texts) * 1e6:.1f} µs each"
    )
    print(f"flagged {flagged} ({flagged / len(texts):.0%}): ", end="")
    print(", ".join(f"{reason} {counts[reason]}" for reason in REASONS))
    print(f"rerun: python bench/automod.py --questions {args.questions} --seed {args.seed}")


if __name__ == "__main__":
    main()
