"""The catalogs are complete: both languages hold the same keys and placeholders, and every key the
code uses (literal or built from a family) exists and renders."""

from __future__ import annotations

import ast
import string
from pathlib import Path
from typing import get_args

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from bot.core.conversation import GUIDED
from bot.core.fields import FieldsErrorCode
from bot.core.messages import Text
from bot.core.usecases import load_all
from bot.domain.automod import REASONS
from bot.domain.commands import COMMANDS
from bot.domain.model import LiveStatus, Role, SpaceRole
from bot.domain.series import Repeat
from bot.i18n.catalog import LOCALES, catalog, plural_forms, render

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
LOCALE_DIR = BOT / "i18n" / "locales"
PO_NAMES = sorted({p.name for loc in LOCALES for p in (LOCALE_DIR / loc).glob("*.po")})

# A call `something.refuse("key", ...)` / `t("key")` / `Text(locale, "key", ...)` names a key.
FIRST_ARG_CALLS = {"refuse", "reply", "t", "button", "_say"}
# On purpose: /help shows French users the French alias (/participer) and English users the name.
PLACEHOLDERS_MAY_DIFFER: dict[str, tuple[set[str], set[str]]] = {}

load_all()


def read(locale: str, name: str) -> dict[str, Message]:
    path = LOCALE_DIR / locale / name
    with path.open("rb") as fh:
        po = read_po(fh, locale=locale)
    return {_key(m): m for m in po if m.id}


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def forms(message: Message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# -- the .po files agree -------------------------------------------------------------------------


@pytest.mark.parametrize("name", PO_NAMES)
def test_every_po_file_exists_in_both_languages(name: str) -> None:
    for locale in LOCALES:
        assert (LOCALE_DIR / locale / name).is_file(), f"{locale}/{name} is missing"


@pytest.mark.parametrize("name", PO_NAMES)
def test_fr_and_en_hold_the_same_keys(name: str) -> None:
    fr, en = read("fr", name), read("en", name)
    assert sorted(set(fr) - set(en)) == [], f"only in fr/{name}"
    assert sorted(set(en) - set(fr)) == [], f"only in en/{name}"


@pytest.mark.parametrize("name", PO_NAMES)
@pytest.mark.parametrize("locale", LOCALES)
def test_no_translation_is_empty(locale: str, name: str) -> None:
    empty = [k for k, m in read(locale, name).items() if not all(f.strip() for f in forms(m))]
    assert empty == []


@pytest.mark.parametrize("name", PO_NAMES)
def test_same_placeholders_in_both_languages_and_every_plural_form(name: str) -> None:
    fr, en = read("fr", name), read("en", name)
    wrong: list[str] = []
    for key in sorted(set(fr) & set(en)):
        fr_forms, en_forms = forms(fr[key]), forms(en[key])
        if key in PLACEHOLDERS_MAY_DIFFER:
            expected = PLACEHOLDERS_MAY_DIFFER[key]
            assert (placeholders(fr_forms[0]), placeholders(en_forms[0])) == expected, key
            continue
        if len(fr_forms) != len(en_forms):
            wrong.append(f"{key}: {len(fr_forms)} forms in fr, {len(en_forms)} in en")
            continue
        # Form by form, both languages name the same fields...
        for i, (a, b) in enumerate(zip(fr_forms, en_forms, strict=True)):
            if placeholders(a) != placeholders(b):
                wrong.append(f"{key}[{i}]: fr {placeholders(a)} != en {placeholders(b)}")
        # ...and within one message every plural form names the same ones ({n} may be spelled out).
        for lang_forms in (fr_forms, en_forms):
            sets = {frozenset(placeholders(f) - {"n"}) for f in lang_forms}
            if len(sets) > 1:
                wrong.append(f"{key}: plural forms disagree {sets}")
    assert wrong == []


def test_plural_messages_are_plural_in_both_languages() -> None:
    for name in PO_NAMES:
        fr, en = read("fr", name), read("en", name)
        for key in set(fr) & set(en):
            assert fr[key].pluralizable == en[key].pluralizable, key


def test_a_key_lives_in_one_file_only() -> None:
    """The merged catalog takes the last file's entry: a key in two files would hide one."""
    for locale in LOCALES:
        seen: dict[str, str] = {}
        for name in PO_NAMES:
            for key in read(locale, name):
                assert key not in seen, f"{locale}: {key} in {seen.get(key)} and {name}"
                seen[key] = name


# -- every key the code uses exists --------------------------------------------------------------


def _constants(node: ast.AST | None, assigned: dict[str, list[ast.AST]]) -> set[str]:
    """String constants a key argument can be: a literal, either side of `a if c else b`, or a
    local variable assigned such literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _constants(node.body, assigned) | _constants(node.orelse, assigned)
    if isinstance(node, ast.Name):
        out: set[str] = set()
        for value in assigned.get(node.id, []):
            out |= _constants(value, {})
        return out
    return set()


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def keys_used_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for scope in [tree, *scopes]:
        assigned: dict[str, list[ast.AST]] = {}
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name in FIRST_ARG_CALLS and node.args:
                found |= _constants(node.args[0], assigned)
            elif name == "Text" and len(node.args) >= 2:
                found |= _constants(node.args[1], assigned)
    return found


def literal_keys() -> dict[str, set[str]]:
    """Key -> the files using it, for every source file of the bot."""
    out: dict[str, set[str]] = {}
    for path in sorted(BOT.rglob("*.py")):
        if "migrations" in path.parts or "storage" in path.parts:
            continue
        for key in keys_used_in(path):
            out.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return out


def _codes_raised(module: Path, error: str) -> set[str]:
    """The first literal argument of every `raise Error("code", ...)` in a module."""
    codes: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and _call_name(node) == error and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                codes.add(first.value)
    return codes


def dynamic_keys() -> set[str]:
    """Keys built with f-strings: every member of each family."""
    when_codes = set().union(
        *(_codes_raised(m, "WhenError") for m in (BOT / "domain" / "when").glob("*.py"))
    )
    series_codes = _codes_raised(BOT / "domain" / "series.py", "SeriesError")
    assert {"unparsed", "no_time", "too_soon", "too_far", "nonexistent"} <= when_codes
    keys = {f"when.{code}" for code in when_codes}
    keys |= {f"series.{code}" for code in series_codes}
    keys |= {f"live.status.{s.value}" for s in LiveStatus}
    keys |= {f"question.flag.{reason}" for reason in REASONS}
    keys |= {f"error.fields.{code}" for code in get_args(FieldsErrorCode)}
    keys |= {f"repeat.{r.value}" for r in Repeat}
    keys |= {f"help.{name}" for name, spec in COMMANDS.items() if not spec.button_only}
    keys |= {f"help.example.{name}" for name in COMMANDS}  # `Context.example`, any command
    keys |= {f"role.{r.value}" for r in Role}
    keys |= {f"space.role.{r.value}" for r in SpaceRole}
    keys |= {f"language.{loc}" for loc in LOCALES}
    keys |= {f"settings.switch_{loc}" for loc in LOCALES}
    keys |= {f"guide.{cmd}.{field}" for cmd, fields in GUIDED.items() for field, _ in fields}
    return keys


def test_the_key_scan_finds_keys_in_every_shape() -> None:
    """The scanner itself: literals, ternaries, variables and Text(locale, key)."""
    found = literal_keys()
    for key in (
        "error.forbidden",  # ctx.refuse in the dispatcher
        "setup.created",  # a variable passed to ctx.reply
        "word.yes",  # a ternary inside ctx.t
        "button.join",  # Text(locale, key)
        "forgetme.confirm_button",  # ctx.button
        "guide.none",  # Text in conversation.py
    ):
        assert key in found, key
    assert len(found) > 100


def test_every_literal_key_exists_in_both_languages() -> None:
    missing = []
    for key, files in sorted(literal_keys().items()):
        for locale in LOCALES:
            if key not in catalog(locale):
                missing.append(f"{locale}: {key} (used in {', '.join(sorted(files))})")
    assert missing == []


def test_every_dynamic_key_exists_in_both_languages() -> None:
    missing = [
        f"{locale}: {key}"
        for key in sorted(dynamic_keys())
        for locale in LOCALES
        if key not in catalog(locale)
    ]
    assert missing == []


# -- every key renders ---------------------------------------------------------------------------

# Counts that pick every form of every rule we know of: CLDR's French "many" is 1,000,000.
PLURAL_COUNTS = (0, 1, 2, 5, 21, 1_000_000)


def plural_index(locale: str, n: int) -> int:
    """The form the catalogs' own header picks for n (the header is the rule, not Babel)."""
    expression = plural_forms(locale).split("plural=", 1)[1].rstrip(";").strip()
    return int(eval(expression, {}, {"n": n}))  # our own header, from the repository


@pytest.mark.parametrize("locale", LOCALES)
def test_the_plural_rule_is_the_catalogs_own_header(locale: str) -> None:
    """Whatever Babel's CLDR data says, the rule is the one written at the top of our `.po` files."""
    for name in PO_NAMES:
        with (LOCALE_DIR / locale / name).open("rb") as fh:
            header = dict(read_po(fh, locale=locale).mime_headers)["Plural-Forms"]
        assert header.strip() == plural_forms(locale), name
    nplurals = int(plural_forms(locale).split(";")[0].split("=")[1])
    for key in all_keys():
        message = catalog(locale)[key]
        if message.pluralizable:
            assert len(forms(message)) == nplurals, key


def test_french_plurals_read_right_for_every_count() -> None:
    seats = {n: render(Text("fr", "live.seats.left", count=n)) for n in PLURAL_COUNTS}
    assert seats[0] == "0 place restante"
    assert seats[1] == "1 place restante"
    assert seats[2] == "2 places restantes"
    assert seats[1_000_000] == "1000000 places restantes"
    assert render(Text("en", "live.seats.left", count=0)) == "0 seats left"


def test_a_missing_key_never_reaches_a_member(missing_messages: list[str]) -> None:
    """A key in no catalog reads as the apology, and the ERROR record is what makes any other test
    that meets one fail (the `missing_messages` guard in conftest)."""
    rendered = render(Text("fr", "no.such.key"))
    assert "no.such.key" not in rendered
    assert rendered == render(Text("fr", "error.internal"))
    assert set(missing_messages) == {"no.such.key"}
    missing_messages.clear()  # this test meant it


def all_keys() -> list[str]:
    return sorted({_key(m) for loc in LOCALES for m in catalog(loc) if m.id})


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_renders_with_its_placeholders(locale: str) -> None:
    failures = []
    for key in all_keys():
        message = catalog(locale)[key]
        names = set().union(*(placeholders(f) for f in forms(message)))
        params = {name: f"<{name}>" for name in names - {"n"}}
        counts: tuple[int | None, ...] = PLURAL_COUNTS if message.pluralizable else (None,)
        for count in counts:
            try:
                text = render(Text(locale, key, params, count))
            except (KeyError, IndexError, ValueError) as bad:
                failures.append(f"{key}: {bad!r}")
                continue
            if key in text:
                failures.append(f"{key}: not translated for n={count}")
            form = forms(message)[0 if count is None else plural_index(locale, count)]
            for name in params:
                if name in placeholders(form):
                    assert f"<{name}>" in text, (key, name)
    assert failures == []


def test_every_command_a_catalog_names_is_a_command() -> None:
    """`{/join}` in a text is the command `join`, written by each platform its own way: a typo
    (`{/joins}`) would name nothing a member can type."""
    named = {
        (locale, key, name[1:])
        for locale in LOCALES
        for key in all_keys()
        for form in forms(catalog(locale)[key])
        for name in placeholders(form)
        if name.startswith("/")
    }
    assert len({name for _, _, name in named}) > 20  # the scan finds them
    assert [entry for entry in sorted(named) if entry[2] not in COMMANDS] == []


def test_no_catalog_text_writes_a_command_by_hand() -> None:
    """A command written `/join` in a text reads English to a French reader (and is no mention
    on Discord): it is `{/join}`. The shell's own commands (`/as`, `/in`, `/quit`) are not ours."""
    shell_only = {"/as", "/in", "/quit"}
    words = {f"/{name}" for name in COMMANDS} | {f"/{spec.alias}" for spec in COMMANDS.values()}
    found = []
    for locale in LOCALES:
        for key in all_keys():
            for form in forms(catalog(locale)[key]):
                literal = "".join(text for text, *_ in string.Formatter().parse(form))
                for token in literal.replace("(", " ").split():
                    command = token.rstrip(".,:;)")
                    if command in words and command not in shell_only:
                        found.append(f"{locale}: {key}: {command}")
    assert found == []


def test_the_same_key_reads_differently_in_french_and_english() -> None:
    fr = render(Text("fr", "help.privacy"))
    en = render(Text("en", "help.privacy"))
    assert fr != en
