"""Every string the markets pages show has a Vietnamese translation in the island's catalogue."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

ISLAND = Path(settings.BASE_DIR) / "islands" / "markets"


def _msgids() -> set[str]:
    ids: set[str] = set()
    for path in sorted((ISLAND / "templates").rglob("*.html")):
        text = path.read_text()
        ids |= set(re.findall(r"\{% translate \"([^\"]+)\"", text))
        ids |= set(re.findall(r"\{% translate '([^']+)'", text))
        for block in re.findall(r"\{% blocktranslate(?! count)[^%]*%\}(.*?)\{% endblocktranslate %\}", text, re.S):
            ids.add(re.sub(r"\{\{ (\w+) \}\}", r"%(\1)s", " ".join(block.split())))
    for path in (ISLAND / "pages.py", ISLAND / "coin_page.py"):
        ids |= set(re.findall(r"gettext\(\"([^\"]+)\"\)", path.read_text()))
    return ids


def test_it_has_a_vietnamese_string_for_every_user_visible_text():
    ids = _msgids()
    assert len(ids) > 40
    with translation.override("vi"):
        missing = sorted(msgid for msgid in ids if translation.gettext(msgid) == msgid)
    assert missing == []
