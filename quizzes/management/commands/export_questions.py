"""``manage.py export_questions --bank NAME --format gift|moodle-xml|csv``: a bank to stdout."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from quizzes.formats import FORMATS, FormatError
from quizzes.importing import bank_export, export_losses, find_bank


class Command(BaseCommand):
    help = "Writes a bank's active questions to stdout as GIFT, Moodle XML or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--bank", required=True, help="bank name or slug")
        parser.add_argument("--format", required=True, choices=FORMATS)

    def handle(self, *args, bank, format, **options):
        found = find_bank(bank)
        if found is None:
            raise CommandError(f"No bank is named {bank!r} (or has that slug).")
        try:
            data = bank_export(bank=found, fmt=format)
        except FormatError as exc:
            raise CommandError(f"{found.name}: {exc}") from exc
        self.stdout.write(data.decode("utf-8"), ending="")
        for loss in export_losses(bank=found, fmt=format):
            self.stderr.write(f"Not exported: {loss}")
