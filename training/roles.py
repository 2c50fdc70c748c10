"""The two staff roles are Django groups with model permissions; a learner is any active user."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

EDUCATORS = "Educators"
ADMINISTRATORS = "Administrators"

EDUCATOR_PERMISSIONS = {
    "quizzes": ["questionbank", "question", "choice", "quiz", "drawrule", "tag"],
    "training": ["course", "lesson", "cohort", "cohortmembership", "assignment"],
}
EDUCATOR_VIEW_ONLY = {
    "quizzes": ["attempt", "attemptquestion", "questionversion", "attemptreset"],
    "training": ["completion", "enrolment", "lessonprogress"],
}


def roles_ensure() -> None:
    """Creates or refreshes the groups and their permissions (run after every migrate)."""
    educator_codenames = []
    for app, models in EDUCATOR_PERMISSIONS.items():
        for model in models:
            for action in ("add", "change", "delete", "view"):
                educator_codenames.append((app, f"{action}_{model}"))
    for app, models in EDUCATOR_VIEW_ONLY.items():
        educator_codenames.extend((app, f"view_{model}") for model in models)
    # A correction is a new record with a reason; educators and administrators may make one.
    educator_codenames.append(("training", "correct_completion"))
    # ... and give a learner a fresh set of attempts on a quiz (after remediation, say).
    educator_codenames.append(("quizzes", "add_attemptreset"))
    educator_perms = _permissions(educator_codenames)
    educators, _ = Group.objects.get_or_create(name=EDUCATORS)
    educators.permissions.set(educator_perms)

    admin_perms = list(educator_perms) + list(
        _permissions(
            [
                ("training", "view_completion_report"),
                ("auth", "view_user"),
                ("auth", "change_user"),
                ("auth", "add_user"),
            ]
        )
    )
    administrators, _ = Group.objects.get_or_create(name=ADMINISTRATORS)
    administrators.permissions.set(admin_perms)


def _permissions(pairs):
    wanted = {}
    for app, codename in pairs:
        wanted.setdefault(app, set()).add(codename)
    perms = []
    for app, codenames in wanted.items():
        perms.extend(Permission.objects.filter(content_type__app_label=app, codename__in=codenames))
    return perms
