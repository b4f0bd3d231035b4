"""Every string the layout and the dashboard show has a Vietnamese translation in the committed catalogue."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

TEMPLATES = [
    Path(settings.BASE_DIR) / "templates" / "base.html",
    *sorted((Path(settings.BASE_DIR) / "islands" / "dashboard" / "templates").rglob("*.html")),
]
PYTHON = [Path(settings.BASE_DIR) / "islands" / "dashboard" / name for name in ("selectors.py", "pages.py")]


def _msgids() -> set[str]:
    ids: set[str] = set()
    for path in TEMPLATES:
        text = path.read_text()
        ids |= set(re.findall(r"\{% translate \"([^\"]+)\"", text))
        ids |= set(re.findall(r"\{% translate '([^']+)'", text))
        for block in re.findall(r"\{% blocktranslate[^%]*%\}(.*?)\{% endblocktranslate %\}", text, re.S):
            ids.add(re.sub(r"\{\{ (\w+) \}\}", r"%(\1)s", " ".join(block.split())))
    for path in PYTHON:
        ids |= set(re.findall(r"(?:_|gettext)\(\"([^\"]+)\"\)", path.read_text()))
    return ids


def test_it_has_a_vietnamese_string_for_every_user_visible_text():
    ids = _msgids()
    assert len(ids) > 40
    with translation.override("vi"):
        missing = sorted(msgid for msgid in ids if translation.gettext(msgid) == msgid)
    assert missing == []
