from django.core.management.base import BaseCommand, CommandError

from training.curriculum import CurriculumError, load_curriculum


class Command(BaseCommand):
    help = "Loads the MISS curriculum from fixtures/curriculum (idempotent)."

    def handle(self, *args, **options):
        try:
            report = load_curriculum()
        except CurriculumError as exc:
            raise CommandError(str(exc)) from exc
        q = report.questions
        self.stdout.write(
            f"Curriculum loaded: {report.courses} courses, {report.lessons} lessons, "
            f"{report.quizzes} quizzes, {report.banks} banks; questions: {q['created']} created, "
            f"{q['updated']} updated (new version), {q['unchanged']} unchanged."
        )
