from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from training.models import Course
from training.roles import ADMINISTRATORS, EDUCATORS, roles_ensure
from training.services import enrol

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
            for course in courses:
                enrol(user=user, course=course)
        self.stdout.write(f"Demo accounts ready: learner, educator, admin (password: {password}).")
