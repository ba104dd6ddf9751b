"""The French names of every command field and of the values they take, declared once.

Commands have a French alias each (`/participer`); their fields and values have French names
here, for every command at once: `/reglages langue=en`, `/planifier titre="…" quand="…"
durée=90`, `anonyme=oui`, `/chiffres 30j`. The parser (`fields`) reads the names, `Context.arg`
the values; `/help`, refusals and Discord's French option names show the first name of each.
What is typed is compared without case or accents (`durée` and `duree` are one name).
"""

from __future__ import annotations

from functools import cache

from bot.domain.automod import fold

# field -> its French names, the first one shown to French readers. One French name may stand
# for two fields (`durée`: a live's duration, a mute's length) as long as no command has both.
FRENCH_FIELDS: dict[str, tuple[str, ...]] = {
    "live": ("live",),
    "title": ("titre",),
    "when": ("quand", "date"),
    "duration": ("durée",),
    "description": ("description",),
    "link": ("lien",),
    "capacity": ("places", "capacité"),
    "tags": ("tags", "étiquettes"),
    "repeat": ("répétition", "répéter"),
    "count": ("nombre", "fois"),
    "series": ("série",),
    "cohost": ("coanimation", "coanimateur", "coanimatrice"),
    "question": ("question",),
    "into": ("dans", "avec"),
    "anonymous": ("anonyme",),
    "reason": ("raison", "motif"),
    "replay": ("replay", "rediffusion"),
    "member": ("membre", "personne"),
    "length": ("durée",),
    "period": ("période",),
    "what": ("quoi",),
    "code": ("code",),
    "role": ("rôle",),
    "tag": ("tag", "étiquette"),
    "command": ("commande",),
    "comment": ("commentaire",),
    "language": ("langue",),
    "timezone": ("fuseau",),
    "reminders": ("rappels",),
    "dms": ("messages_privés", "mp"),
    "name": ("nom",),
    "announce_channel": ("salon_annonces",),
    "moderation_channel": ("salon_modération",),
    "host_role": ("rôle_animation",),
    "moderator_role": ("rôle_modération",),
    "premoderation": ("prémodération",),
    "lexicon": ("lexique",),
    "public": ("public", "publique"),
    "invite": ("invitation",),
    "action": ("action",),
}

_YES_NO = {"oui": "yes", "non": "no", "vrai": "true", "faux": "false"}
_BOOLEAN_FIELDS = ("anonymous", "dms", "premoderation", "confirm", "public")
_REPEAT = {
    "aucune": "none", "aucun": "none", "non": "none", "une fois": "none",
    "hebdo": "weekly", "hebdomadaire": "weekly", "chaque semaine": "weekly",
    "toutes les deux semaines": "biweekly", "deux semaines": "biweekly",
    "quinzaine": "biweekly", "mensuel": "monthly", "chaque mois": "monthly",
}  # fmt: skip
# field -> French (or spelled-out) value -> the value the use cases know.
FRENCH_VALUES: dict[str, dict[str, str]] = {
    **{name: _YES_NO for name in _BOOLEAN_FIELDS},
    "language": {"français": "fr", "french": "fr", "anglais": "en", "english": "en"},
    "repeat": _REPEAT,
    "series": {"tout": "all", "toute": "all", "toutes": "all", "un": "one", "une": "one"},
    "period": {"7j": "7d", "30j": "30d", "90j": "90d", "1a": "1y", "1an": "1y", "tout": "all"},
    "what": {"inscriptions": "signups", "sign ups": "signups", "live": "lives"},
    "role": {"modération": "moderation", "modérateurs": "moderation", "mod": "moderation"},
}


def _folded(word: str) -> str:
    """`Durée`, `DUREE` -> `duree`; runs of spaces, `-` and `_` in a value become one space."""
    return " ".join(fold(word).replace("-", " ").replace("_", " ").split())


@cache
def _fields_by_word() -> dict[str, tuple[str, ...]]:
    """Folded name (French or English) -> the fields it may stand for."""
    out: dict[str, list[str]] = {}
    for field, french in FRENCH_FIELDS.items():
        for word in (field, *french):
            names = out.setdefault(_folded(word), [])
            if field not in names:
                names.append(field)
    return {word: tuple(fields) for word, fields in out.items()}


@cache
def _values_by_word() -> dict[str, dict[str, str]]:
    return {
        field: {_folded(word): value for word, value in words.items()}
        for field, words in FRENCH_VALUES.items()
    }


def field_named(word: str, allowed: frozenset[str]) -> str | None:
    """The field among `allowed` that `word` names, in English or French, else None."""
    if word in allowed:
        return word
    return next((f for f in _fields_by_word().get(_folded(word), ()) if f in allowed), None)


def value_of(field: str, raw: str) -> str:
    """`tout` for a period -> `all`; a value that has no other name is returned as given."""
    words = _values_by_word().get(field)
    if not words:
        return raw
    return words.get(_folded(raw), raw)


def yes_no(raw: str) -> str:
    """`oui` -> `yes`, `Non` -> `no`; anything else as given (for `parse_bool` to judge)."""
    return _YES_NO.get(_folded(raw), raw)


def field_word(field: str, locale: str) -> str:
    """How a reader of `locale` names the field: `durée` for French readers, else `duration`."""
    french = FRENCH_FIELDS.get(field)
    return french[0] if locale == "fr" and french else field
