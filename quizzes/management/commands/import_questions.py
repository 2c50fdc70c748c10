"""``manage.py import_questions FILE --bank NAME``: the import preview, then the import."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.formats import FORMATS, MAX_BYTES
from quizzes.importing import (
    CATEGORY_MODES,
    ImportRefused,
    import_commit,
    import_preview,
    plan_report,
    size_message,
)


class Command(BaseCommand):
    help = (
        "Imports a GIFT, Moodle XML or CSV question file into a bank (created if it does not "
        "exist). Prints what it does; on any error it writes nothing and exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the question file")
        parser.add_argument("--bank", required=True, help="bank name or slug")
        parser.add_argument(
            "--format", choices=FORMATS, help="the file's format (default: from its name)"
        )
        parser.add_argument(
            "--categories",
            choices=sorted(CATEGORY_MODES),
            default="tags",
            help="tags (default): a question's category becomes a topic tag in --bank; "
            "banks: each category becomes a bank named after its last part",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would happen; write nothing"
        )
        parser.add_argument(
            "--skip-unsupported",
            action="store_true",
            help="skip questions of types this site does not have (else they are an error)",
        )

    def handle(self, *args, file, bank, format, categories, dry_run, skip_unsupported, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CommandError(f"{file}: {size_message(size)} Nothing was imported.")
        data = path.read_bytes()
        arguments = {
            "data": data,
            "bank_name": bank,
            "filename": path.name,
            "fmt": format,
            "categories": categories,
        }
        plan = import_preview(**arguments)
        self.stdout.write(plan_report(plan))
        if plan.errors:
            raise CommandError(_refusal(file, plan.errors))
        if plan.unsupported and not skip_unsupported:
            raise CommandError(
                f"{file}: {len(plan.unsupported)} question(s) of a type this site does not have "
                "(listed above); rerun with --skip-unsupported to import the rest. "
                "Nothing was imported."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            plan = import_commit(
                **arguments, skip_unsupported=skip_unsupported, expected=plan.fingerprint
            )
        except ImportRefused as refusal:
            errors = refusal.plan.errors if refusal.plan else []
            raise CommandError(_refusal(file, errors) if errors else str(refusal)) from refusal
        self.stdout.write(self.style.SUCCESS(f"Imported: {plan.summary()}."))


def _refusal(file: str, errors) -> str:
    lines = [f"{file}: {error}" for error in errors]
    return "\n".join([*lines, f"{len(errors)} error(s); nothing was imported."])
