"""A small hospital for the report tests, built through the app's services at a fixed moment.

At T0 (Monday 5 January 2026, 09:00 UTC):

* "MISS for OR staff: onboarding" (slug ``onboarding``): two lessons and a 3-question final;
  renewed every 12 months. Assigned to both cohorts, due 14 days after joining.
* "MISS perioperative nursing: CE" (slug ``ce``): one lesson, no final, never expires.
  Assigned to 4 West, due on 6 March 2026.
* Cohort "4 West": amy (scrub nurse), bob (circulator), cat (surgical tech).
* Cohort "March class": dan (surgical tech), eve (ward nurse).

amy and eve complete onboarding at T0, eve the CE course too; cat completes lesson 1.
Evaluated later, the rows move through every status: due soon at T0 + 10 days, overdue at
T0 + 20 days, expiring soon at T0 + 350 days, expired at T0 + 400 days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from tests import factories
from tests.training.builders import complete, course_to_complete
from training import services
from training.models import CohortMembership

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROLE = CohortMembership.Role


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def hospital() -> dict:
    with time_machine.travel(T0, tick=False):
        onboarding = course_to_complete(
            lessons=2,
            recertification_months=12,
            slug="onboarding",
            title="MISS for OR staff: onboarding",
        )
        ce = course_to_complete(
            lessons=1, final=False, slug="ce", title="MISS perioperative nursing: CE"
        )
        ce.track = ce.Track.CE
        ce.save()
        admin = factories.administrator(username="ada")
        west = services.cohort_save(cohort=None, name="4 West", description="", educators=[])
        march = services.cohort_save(cohort=None, name="March class", description="", educators=[])
        people = {}
        for name, cohort, role in (
            ("amy", west, ROLE.SCRUB_NURSE),
            ("bob", west, ROLE.CIRCULATOR),
            ("cat", west, ROLE.SURGICAL_TECH),
            ("dan", march, ROLE.SURGICAL_TECH),
            ("eve", march, ROLE.WARD_NURSE),
        ):
            people[name] = factories.UserFactory(
                username=name, first_name=name.title(), last_name="Nurse"
            )
            services.cohort_member_add(cohort=cohort, user=people[name], role=role)
        for cohort in (west, march):
            services.assignment_create(
                course=onboarding, cohort=cohort, due_days=14, assigned_by=admin
            )
        services.assignment_create(
            course=ce, cohort=west, due_on=date(2026, 3, 6), assigned_by=admin
        )
        complete(people["amy"], onboarding)
        complete(people["eve"], onboarding)
        services.enrol(user=people["eve"], course=ce)
        complete(people["eve"], ce)
        services.lesson_complete(
            user=people["cat"], lesson=onboarding.lessons.order_by("position").first()
        )
    return {
        "onboarding": onboarding,
        "ce": ce,
        "west": west,
        "march": march,
        "admin": admin,
        **people,
    }


def renewing(place: dict) -> None:
    """eve starts renewing onboarding once its window opens: lesson 1 again at T0 + 340 days."""
    lesson = place["onboarding"].lessons.order_by("position").first()
    with time_machine.travel(at(340), tick=False):
        services.lesson_complete(user=place["eve"], lesson=lesson)
