"""The words the reader knows, without accents (the tokenizer strips them, so typos in accents read).

Each word says which language it belongs to, when only one: that decides whether a clock time such
as ``6:30`` is French (24-hour) or English (12-hour, next occurrence).
"""

from __future__ import annotations

WEEKDAYS = {
    **dict.fromkeys(("lundi", "lun", "monday", "mon"), 0),
    **dict.fromkeys(("mardi", "mar", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("mercredi", "mer", "wednesday", "wed"), 2),
    **dict.fromkeys(("jeudi", "jeu", "thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("vendredi", "ven", "vend", "friday", "fri"), 4),
    **dict.fromkeys(("samedi", "sam", "saturday", "sat"), 5),
    **dict.fromkeys(("dimanche", "dim", "sunday", "sun"), 6),
}
MONTHS = {
    **dict.fromkeys(("janvier", "janv", "january", "jan"), 1),
    **dict.fromkeys(("fevrier", "fevr", "fev", "february", "feb"), 2),
    **dict.fromkeys(("mars", "march", "mar"), 3),
    **dict.fromkeys(("avril", "avr", "april", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juin", "june", "jun"), 6),
    **dict.fromkeys(("juillet", "juil", "july", "jul"), 7),
    **dict.fromkeys(("aout", "august", "aug"), 8),
    **dict.fromkeys(("septembre", "september", "sept", "sep"), 9),
    **dict.fromkeys(("octobre", "october", "oct"), 10),
    **dict.fromkeys(("novembre", "november", "nov"), 11),
    **dict.fromkeys(("decembre", "december", "dec"), 12),
}
# Days from today.
DAY_WORDS = {
    **dict.fromkeys(("aujourdhui", "today"), 0),
    **dict.fromkeys(("demain", "tomorrow"), 1),
    **dict.fromkeys(("apresdemain", "dayaftertomorrow"), 2),
    **dict.fromkeys(("hier", "yesterday"), -1),
}
# Parts of the day; "this evening" and "tonight" also pin the date to today.
PARTS = {
    **dict.fromkeys(("matin", "mat", "matinee", "morning"), "morning"),
    **dict.fromkeys(("apresmidi", "aprem", "afternoon"), "afternoon"),
    **dict.fromkeys(("soir", "soiree", "evening"), "evening"),
    "night": "night",
}
TONIGHT = frozenset(("tonight", "tonite"))
THIS = frozenset(("ce", "cet", "cette", "this"))
NEXT = frozenset(("prochain", "prochaine", "next"))
WEEK = frozenset(("semaine", "week"))
# Words that may stand between a number and its part of the day ("8 in the evening", "8 du soir").
PART_LINKS = frozenset(("du", "de", "l", "le", "la", "au", "en", "dans", "in", "the", "at"))
TIME_WORDS = {"midi": 12, "noon": 12, "midday": 12, "minuit": 0, "midnight": 0}
HOUR_MARKS = frozenset(("h", "heure", "heures"))
MINUTE_MARKS = frozenset(("min", "mn", "minute", "minutes"))
AMPM = frozenset(("am", "pm"))
UTC_WORDS = frozenset(("utc", "gmt"))
# After these a bare number is an hour, if a part of the day makes it one ("à 8 ce soir").
TIME_CONTEXT = frozenset(("a", "at", "vers", "around", "about", "environ", "les", "@", "~"))
FILLERS = frozenset(
    (
        *TIME_CONTEXT,
        *("le", "la", "l", "on", "the", "de", "du", "d", "des", "pour", "sur", "aux", "alentours"),
        *("approx", "approximately", "circa", "ca", "pile", "precises", "precise", "sharp"),
        *("apeupres", "auxalentoursde"),
    )
)
DAY_CONTEXT = frozenset(("le", "the", "on"))
ORDINAL_WORDS = {"premier": 1, "first": 1, "second": 2, "third": 3}

# Spelled numbers; tens combine with units ("dix huit", "vingt et un", "forty five").
UNITS_WORDS = {
    **dict.fromkeys(("zero",), 0),
    **dict.fromkeys(("un", "une", "one"), 1),
    **dict.fromkeys(("deux", "two"), 2),
    **dict.fromkeys(("trois", "three"), 3),
    **dict.fromkeys(("quatre", "four"), 4),
    **dict.fromkeys(("cinq", "five"), 5),
    **dict.fromkeys(("six",), 6),
    **dict.fromkeys(("sept", "seven"), 7),
    **dict.fromkeys(("huit", "eight"), 8),
    **dict.fromkeys(("neuf", "nine"), 9),
}
TEENS_WORDS = {
    **dict.fromkeys(("dix", "ten"), 10),
    **dict.fromkeys(("onze", "eleven"), 11),
    **dict.fromkeys(("douze", "twelve"), 12),
    **dict.fromkeys(("treize", "thirteen"), 13),
    **dict.fromkeys(("quatorze", "fourteen"), 14),
    **dict.fromkeys(("quinze", "fifteen"), 15),
    **dict.fromkeys(("seize", "sixteen"), 16),
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS_WORDS = {
    **dict.fromkeys(("vingt", "twenty"), 20),
    **dict.fromkeys(("trente", "thirty"), 30),
    **dict.fromkeys(("quarante", "forty"), 40),
    **dict.fromkeys(("cinquante", "fifty"), 50),
}

# Several words read as one ("apres midi" is not "midi").
PHRASES: dict[tuple[str, ...], str] = {
    ("aujourd", "hui"): "aujourdhui",
    ("apres", "midi"): "apresmidi",
    ("apres", "demain"): "apresdemain",
    ("day", "after", "tomorrow"): "dayaftertomorrow",
    ("o", "clock"): "oclock",
    ("a", "peu", "pres"): "apeupres",
    ("aux", "alentours", "de"): "auxalentoursde",
}

_FR_ONLY = (
    "demain", "aujourdhui", "apresdemain", "hier", "heure", "heures", "midi", "minuit", "matin",
    "matinee", "soir", "soiree", "apresmidi", "aprem", "ce", "cet", "cette", "le", "la", "les",
    "du", "de", "des", "vers", "environ", "prochain", "prochaine", "semaine", "semaines", "dans",
    "jour", "jours", "et", "moins", "quart", "demie", "demi", "premier", "en", "huit", "quinze",
    "pile", "precises",
)  # fmt: skip
_EN_ONLY = (
    "tomorrow", "today", "tonight", "tonite", "yesterday", "dayaftertomorrow", "at", "the", "on",
    "noon", "midnight", "midday", "next", "this", "week", "weeks", "in", "day", "days", "morning",
    "afternoon", "evening", "night", "past", "to", "half", "quarter", "oclock", "around", "about",
    "first", "hour", "hours", "and", "sharp", "of",
)  # fmt: skip
_FR_NAMES = (
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "janvier", "fevrier",
    "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
)  # fmt: skip
_EN_NAMES = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
LANG_OF: dict[str, str] = {
    **dict.fromkeys((*_FR_ONLY, *_FR_NAMES), "fr"),
    **dict.fromkeys((*_EN_ONLY, *_EN_NAMES), "en"),
}
