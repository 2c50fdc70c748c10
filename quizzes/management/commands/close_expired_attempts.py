from django.core.management.base import BaseCommand

from quizzes.services import close_expired_attempts


class Command(BaseCommand):
    help = "Submits every attempt whose time limit has run out, with its saved answers."

    def handle(self, *args, **options):
        count = close_expired_attempts()
        self.stdout.write(f"Submitted {count} expired attempt(s).")
