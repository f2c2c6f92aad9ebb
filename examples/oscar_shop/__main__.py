"""Run the example shop in one command: migrate, seed, serve (Django's development server).

    python -m examples.oscar_shop            # http://127.0.0.1:8000
    python -m examples.oscar_shop 8001       # another port
    python -m examples.oscar_shop check      # any other manage.py command
"""
from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.oscar_shop.settings")
    from django.core.management import execute_from_command_line
    if argv and not argv[0].isdigit():
        execute_from_command_line(["manage", *argv])
        return
    execute_from_command_line(["manage", "migrate", "--no-input"])
    execute_from_command_line(["manage", "seed_invoices"])
    execute_from_command_line(["manage", "runserver", f"127.0.0.1:{argv[0] if argv else '8000'}",
                               "--noreload"])


if __name__ == "__main__":
    main(sys.argv[1:])
