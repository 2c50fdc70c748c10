from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from training.models import Assignment, Cohort, CohortMembership, Course
from training.roles import ADMINISTRATORS, EDUCATORS, roles_ensure
from training.services import assignment_create, cohort_member_add, cohort_save, enrol

DEMO_COHORT = "Demo: OR onboarding class"
ONBOARDING, CE = "miss-or-onboarding", "miss-periop-nursing-ce"

DEMO_USERS = [
    ("learner", "Lee", "Learner", None),
    ("educator", "Eden", "Educator", EDUCATORS),
    ("admin", "Ada", "Administrator", ADMINISTRATORS),
]


class Command(BaseCommand):
    help = "Creates the demo accounts learner, educator and admin (password: DEMO_PASSWORD)."

    @transaction.atomic
    def handle(self, *args, **options):
        roles_ensure()
        password = settings.DEMO_PASSWORD
        User = get_user_model()
        courses = list(Course.objects.filter(published=True))
        for username, first, last, group in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                },
            )
            user.set_password(password)
            user.is_staff = group is not None
            user.is_superuser = username == "admin"
            user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
                for course in courses:  # staff can take the courses too
                    enrol(user=user, course=course)
        self._demo_cohort(User)
        self.stdout.write(f"Demo accounts ready: learner, educator, admin (password: {password}).")

    def _demo_cohort(self, User) -> None:
        """The demo learner in an onboarding class with due dates, as an educator would set up:
        onboarding due 14 days after joining, CE due in 30 days for the learner alone."""
        learner, educator = (
            User.objects.get(username="learner"),
            User.objects.get(username="educator"),
        )
        courses = {c.slug: c for c in Course.objects.filter(slug__in=[ONBOARDING, CE])}
        cohort = Cohort.objects.filter(name=DEMO_COHORT).first() or cohort_save(
            name=DEMO_COHORT,
            description="Created by load_demo to show cohorts, due dates and reports.",
            educators=[educator],
        )
        if not CohortMembership.objects.filter(cohort=cohort, user=learner).exists():
            cohort_member_add(cohort=cohort, user=learner, role=CohortMembership.Role.SCRUB_NURSE)
        if (
            ONBOARDING in courses
            and not Assignment.objects.filter(course=courses[ONBOARDING], cohort=cohort).exists()
        ):
            assignment_create(
                course=courses[ONBOARDING], cohort=cohort, due_days=14, assigned_by=educator
            )
        if (
            CE in courses
            and not Assignment.objects.filter(course=courses[CE], user=learner).exists()
        ):
            assignment_create(course=courses[CE], user=learner, due_days=30, assigned_by=educator)
