#!/usr/bin/env python
"""Django's command-line utility for cryptodash."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
    # Django's standard manage.py: the settings module is named before Django is imported.
    from django.core.management import execute_from_command_line  # noqa: PLC0415 - see above

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
