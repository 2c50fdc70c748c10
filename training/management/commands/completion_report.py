"""Prints the completion report as CSV: the same rows and columns the report page exports."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from training.models import Cohort, CohortMembership, Course
from training.progress import Status
from training.reports import ReportFilters, csv_lines, report_iter


class Command(BaseCommand):
    help = "Prints the completion report as CSV (the page's export), optionally filtered."

    def add_arguments(self, parser):
        parser.add_argument("--course", metavar="SLUG", help="Only this course.")
        parser.add_argument("--cohort", metavar="NAME", help="Only learners in this cohort.")
        parser.add_argument(
            "--role", choices=CohortMembership.Role.values, help="Only learners in this role."
        )
        parser.add_argument(
            "--status", choices=list(Status.LABELS), help="Only rows with this status."
        )

    def handle(self, *args, **options):
        course = cohort = None
        if options["course"]:
            course = Course.objects.filter(slug=options["course"]).first()
            if course is None:
                raise CommandError(f"No course with the slug {options['course']!r}.")
        if options["cohort"]:
            cohort = Cohort.objects.filter(name=options["cohort"]).first()
            if cohort is None:
                raise CommandError(f"No cohort named {options['cohort']!r}.")
        filters = ReportFilters(
            course=course,
            cohort=cohort,
            role=options["role"] or "",
            status=options["status"] or "",
        )
        for line in csv_lines(report_iter(filters)):
            self.stdout.write(line, ending="")
