"""Reading and packaging untrusted report content: outline, title, summary, inline embedding, CSP.

Report HTML/CSS/JS comes from an outside generator or from staff and is never trusted. This
module only reads it as text (html.parser, no rendering) and prepares it for the isolated
report document: it removes the tags that navigate or re-base the document (<meta>, <base>),
escapes the sequences that would end a <script> or <style> element early and hashes the inline
scripts for the Content-Security-Policy. It must not be used to put report content into the
site's own pages: those show only the escaped text taken from it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

_SCRIPT_BREAKERS = re.compile(r"<(?=/script|!--)", re.IGNORECASE)
_STYLE_BREAKER = re.compile(r"<(?=/style)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# A start tag named meta or base as a browser's tokenizer sees it: "<", the name in any case, then
# whitespace, "/", ">" or the end of the input. Nothing else can start one (character references
# are not decoded in tag names), so matching this prefix needs no HTML parser to agree with.
_NAVIGATING_NAME = r"(?:meta|base)(?=[\t\n\f\r />]|\Z)"
# The rest of that tag: up to the first ">" outside a quoted attribute value. A quote opens a value
# only after "="; an unclosed one runs to the end, as in the browser. Every branch consumes, so
# the match is linear in the input.
_NAVIGATING_TAG = re.compile(
    "<" + _NAVIGATING_NAME + r"""(?:[^>"'=]|=[\t\n\f\r ]*+(?:"[^"]*+"?|'[^']*+'?)|=|["'])*+>?""",
    re.IGNORECASE,
)
_LEFTOVER_TAG_OPEN = re.compile("<(?=" + _NAVIGATING_NAME + ")", re.IGNORECASE)
_OUTLINE_TAGS = {"h1", "h2", "h3", "p"}
SECTION_TAGS = ("h2", "h3")
SUMMARY_LENGTH = 300


@dataclass(frozen=True, slots=True)
class Section:
    """One entry of a report's table of contents; index counts h2/h3 in document order."""

    index: int
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Outline:
    title: str | None
    sections: tuple[Section, ...]
    summary: str


class _OutlineParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.headings: list[tuple[int, str]] = []
        self.paragraphs: list[str] = []
        self._open: str | None = None
        self._buffer: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag in _OUTLINE_TAGS and self._open is None and not self._skip:
            self._open = tag
            self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag == self._open:
            text = _SPACES.sub(" ", "".join(self._buffer)).strip()
            self._open = None
            if not text:
                return
            if tag == "h1":
                self.title = self.title or text
            elif tag == "p":
                self.paragraphs.append(text)
            else:
                self.headings.append((int(tag[1]), text))

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._skip:
            self._buffer.append(data)


@lru_cache(maxsize=256)
def outline_read(html: str) -> Outline:
    """Title (first h1), sections (h2/h3) and a plain-text summary of report HTML."""
    parser = _OutlineParser()
    parser.feed(html)
    parser.close()
    sections = tuple(Section(index=i, level=level, text=text[:200]) for i, (level, text) in enumerate(parser.headings))
    summary = ""
    for paragraph in parser.paragraphs:
        summary = f"{summary} {paragraph}".strip()
        if len(summary) >= SUMMARY_LENGTH:
            break
    if len(summary) > SUMMARY_LENGTH:
        summary = summary[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + "\u2026"
    return Outline(title=parser.title[:300] if parser.title else None, sections=sections, summary=summary)


def navigation_tags_strip(html: str) -> str:
    """html without <meta> and <base> start tags, so it cannot refresh or re-base its document.

    A report's <meta http-equiv=refresh> would navigate its frame (to any site) without a line of
    script, and <base> would redirect its relative links; neither does anything else in a report
    body. Matched on the raw text rather than parsed: a parser that disagreed with the browser
    about where a comment or attribute ends would let one through, while this finds every
    "<meta"/"<base" the browser could read as a tag, wherever it is, and changes nothing else.
    nh3 (ammonia) does not fit: it is an allow-list sanitiser that drops every tag and attribute
    not listed (ids, classes, style, data-*, SVG, data: images) and would break the report.
    """
    stripped = _NAVIGATING_TAG.sub("", html)
    # Removing a tag can join the text around it into a new one ("<<meta>meta http-equiv=…>"):
    # such a crafted leftover is shown as text.
    return _LEFTOVER_TAG_OPEN.sub("&lt;", stripped)


def script_text(js: str) -> str:
    """js made safe to sit inside <script>…</script>: no `</script` or `<!--` can end it early.

    `<\\/script` and `<\\!--` mean the same inside JS strings and regular expressions, where such
    sequences legitimately occur.
    """
    return _SCRIPT_BREAKERS.sub("<\\\\", js)


def style_text(css: str) -> str:
    """css made safe to sit inside <style>…</style> (`\\/` is an escaped `/` in CSS)."""
    return _STYLE_BREAKER.sub("<\\\\", css)


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline script text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def fingerprint(*parts: str | None) -> str:
    """A short stable digest of report content, for ETags and cache-busting URLs."""
    digest = hashlib.blake2b(digest_size=12)
    for part in parts:
        encoded = (part or "").encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()
