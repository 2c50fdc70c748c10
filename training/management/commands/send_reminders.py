from django.core.management.base import BaseCommand, CommandError

from training.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Assigns renewals whose window opened, then e-mails due-in-7-days, overdue and "
        "expiring reminders and the weekly cohort digests, each once. Safe to run from cron "
        "at any frequency."
    )

    def handle(self, *args, **options):
        report = send_reminders()
        self.stdout.write(str(report))
        if report.failed:
            raise CommandError(f"{report.failed} e-mails could not be sent; run again later.")
