"""Telegram's HTML parse mode, checked as strictly as the Bot API parses it (a little stricter).

The Bot API parses `parse_mode=HTML` text itself and refuses the whole message on a tag it does
not know, an unclosed or crossed tag, or a `<` that starts no tag: a message built from user
text that was not escaped fails only on the day a member types `<`. The one place this checker
is stricter than Telegram: a `&` that does not start one of the four named entities or a numeric
one is refused here (Telegram keeps it literally), so unescaped text fails on `&` as well.
Error texts follow Telegram's wording, with UTF-8 byte offsets as Telegram counts them.
"""

from __future__ import annotations

import re

# Tags Telegram accepts, with the canonical entity they stand for (synonyms share one).
ALLOWED_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_ATTR = re.compile(
    r"""\s*([A-Za-z0-9_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""",
)


class HtmlError(ValueError):
    """The text does not parse; `str(error)` is Telegram's explanation (after "can't parse entities: ")."""


def _offset(text: str, index: int) -> int:
    """Telegram reports positions as UTF-8 byte offsets."""
    return len(text[:index].encode("utf-8"))


def _decode_entities(text: str, start: int, end: int, source: str) -> str:
    """Decodes the entities of text[start:end]; any other `&` is an error (see module doc)."""
    out: list[str] = []
    i = start
    while i < end:
        amp = text.find("&", i, end)
        if amp < 0:
            out.append(text[i:end])
            break
        out.append(text[i:amp])
        match = _ENTITY.match(text, amp, end)
        if match is None:
            raise HtmlError(
                f"Unsupported HTML entity or raw '&' in {source} at byte offset {_offset(text, amp)}"
            )
        named, decimal, hexa = match.groups()
        code = int(decimal) if decimal else int(hexa, 16) if hexa else None
        if code is not None and not (0 < code <= 0x10FFFF):
            raise HtmlError(f"Invalid character reference at byte offset {_offset(text, amp)}")
        out.append(_NAMED[named] if named else chr(code or 0))
        i = match.end()
    return "".join(out)


def _parse_attributes(text: str, start: int, tag_at: int) -> tuple[dict[str, str], int]:
    """Reads attributes up to the closing `>`; returns them and the index after `>`."""
    attributes: dict[str, str] = {}
    i = start
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise HtmlError(f"Unclosed start tag at byte offset {_offset(text, tag_at)}")
        if text[i] == ">":
            return attributes, i + 1
        match = _ATTR.match(text, i)
        if match is None or match.end() == i:
            raise HtmlError(
                f"Empty attribute name in the tag at byte offset {_offset(text, tag_at)}"
            )
        name = match.group(1).lower()
        if match.group(2) is not None:
            raw_start, raw_end = match.span(2)
        elif match.group(3) is not None:
            raw_start, raw_end = match.span(3)
        elif match.group(4) is not None:
            raw_start, raw_end = match.span(4)
        else:
            raw_start = raw_end = match.end()
        attributes[name] = _decode_entities(text, raw_start, raw_end, "an attribute value")
        i = match.end()


def parse_html(text: str) -> str:
    """Returns the plain text Telegram would show, or raises `HtmlError` as Telegram refuses."""
    out: list[str] = []
    stack: list[tuple[str, int]] = []  # open tags and where they started, for the messages
    i = 0
    while i < len(text):
        lt = text.find("<", i)
        chunk_end = len(text) if lt < 0 else lt
        out.append(_decode_entities(text, i, chunk_end, "the text"))
        if lt < 0:
            break
        tag_at = lt
        if text.startswith("</", lt):
            close = text.find(">", lt)
            if close < 0:
                raise HtmlError(f"Unclosed end tag at byte offset {_offset(text, tag_at)}")
            name = text[lt + 2 : close].strip().lower()
            if not stack:
                raise HtmlError(
                    f'Unexpected end tag "</{name}>" at byte offset {_offset(text, tag_at)}'
                )
            expected, _ = stack.pop()
            if name != expected:
                raise HtmlError(
                    f'Unmatched end tag at byte offset {_offset(text, tag_at)}, expected "</{expected}>", found "</{name}>"'
                )
            i = close + 1
            continue
        name_match = _TAG_NAME.match(text, lt + 1)
        assert name_match is not None  # the pattern matches the empty string
        name = name_match.group(0).lower()
        if name not in ALLOWED_TAGS:
            raise HtmlError(
                f'Unsupported start tag "{name}" at byte offset {_offset(text, tag_at)}'
            )
        attributes, i = _parse_attributes(text, name_match.end(), tag_at)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError('Tag "span" must have class "tg-spoiler"')
        stack.append((name, tag_at))
    if stack:
        name, _ = stack[-1]
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
    return "".join(out)
