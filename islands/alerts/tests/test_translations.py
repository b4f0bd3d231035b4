"""Every text the alerts and account pages show has a Vietnamese translation in the committed catalogues."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

ISLANDS = [Path(settings.BASE_DIR) / "islands" / name for name in ("alerts", "accounts")]


def _msgids() -> set[str]:
    ids: set[str] = set()
    for island in ISLANDS:
        for path in island.rglob("*.html"):
            text = path.read_text()
            ids |= set(re.findall(r"\{% translate \"([^\"]+)\"", text))
            ids |= set(re.findall(r"\{% translate '([^']+)'", text))
        for path in island.rglob("*.py"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                text = path.read_text()
                ids |= set(re.findall(r"\b(?:_|gettext_lazy)\(\s*\"((?:[^\"\\]|\\.)+)\"", text))
    return ids


def test_every_alerts_and_accounts_text_has_a_vietnamese_translation():
    ids = _msgids()
    assert len(ids) > 50
    with translation.override("vi"):
        missing = sorted(msgid for msgid in ids if translation.gettext(msgid) == msgid and msgid not in {"coin"})
    assert missing == []
