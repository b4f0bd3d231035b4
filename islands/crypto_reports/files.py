"""Reading a report from files: the layout `import_report --dir` and the sample seeds use.

A folder holds report.vi.html (required), report.en.html, report.css, report.vi.js and
report.en.js. Reading only: storing is services.report_create.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError

REPORT_FILES = {
    "html_content": "report.vi.html",
    "html_content_en": "report.en.html",
    "css_content": "report.css",
    "js_content": "report.vi.js",
    "js_content_en": "report.en.js",
}
SEED_DIR = Path(__file__).resolve().parent / "seed"


def report_file_read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def report_folder_read(*, directory: Path) -> dict[str, str | None]:
    """The model fields found in directory; report.vi.html must exist."""
    if not directory.is_dir():
        raise ValidationError(f"{directory}: not a directory")
    fields: dict[str, str | None] = {}
    for field, name in REPORT_FILES.items():
        path = directory / name
        if field == "html_content" or path.exists():
            fields[field] = report_file_read(path)
    return fields


def seed_folders() -> list[Path]:
    return sorted(path for path in SEED_DIR.iterdir() if path.is_dir())
