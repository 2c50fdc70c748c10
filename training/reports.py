"""Completion reports: one row per learner and course, with status, computed in the database.

A row is an Enrolment (a course on a learner's dashboard, with the due date they work to). Its
status, progress and scores are SQL expressions, so filtering, sorting, totals and paging run in
the database in a fixed number of queries whatever the number of learners, cohorts or courses,
and the CSV export streams the same rows. The expressions restate
``training.progress.status_for`` and ``progress_table`` (a completion no correction replaced;
renewal progress counted from the opening of the renewal window); a test holds the two to the
same answers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone
from openpyxl import Workbook

from quizzes.item_analysis import counted_attempts
from quizzes.models import Attempt, AttemptQuestion, Quiz

from .models import Cohort, CohortMembership, Course, Enrolment, Lesson, LessonProgress
from .progress import (
    DUE_SOON_DAYS,
    EXPIRING_SOON_DAYS,
    RENEWAL_WINDOW_DAYS,
    Status,
    current_completions,
)

PAGE_SIZE = 50
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Most urgent first: the default order of the report.
STATUS_ORDER = [
    Status.OVERDUE,
    Status.EXPIRED,
    Status.DUE_SOON,
    Status.EXPIRING_SOON,
    Status.IN_PROGRESS,
    Status.NOT_STARTED,
    Status.COMPLETED,
]
# One chart pattern per status, the same on every page (see quizzes.charts.PATTERNS).
STATUS_PATTERN = {
    Status.COMPLETED: 1,
    Status.EXPIRING_SOON: 2,
    Status.IN_PROGRESS: 0,
    Status.DUE_SOON: 4,
    Status.NOT_STARTED: 5,
    Status.OVERDUE: 3,
    Status.EXPIRED: 6,
}

# Each column sorts by its own fields (in the direction asked), then by the learner.
SORTS = {
    "learner": ["user__last_name", "user__first_name", "user__username"],
    "course": ["course__position", "course__title"],
    "status": ["status_rank", "due_at"],
    "percent": ["progress_ratio"],
    "best": ["best_score"],
    "final": ["final_score"],
    "due": ["due_at"],
    "completed": ["completed_at"],
    "expires": ["expires_at"],
}
TIEBREAK = ["user__last_name", "user__first_name", "user__username", "course__position", "pk"]
DEFAULT_SORT = "status"

COLUMNS = [
    ("learner", "Learner"),
    ("username", "Username"),
    ("cohort", "Cohort"),
    ("role", "Role"),
    ("course", "Course"),
    ("status", "Status"),
    ("percent", "Progress (%)"),
    ("best", "Best score (%)"),
    ("final", "Final score (%)"),
    ("due", "Due"),
    ("completed", "Completed at"),
    ("expires", "Expires at"),
]


@dataclass(frozen=True)
class ReportFilters:
    course: Course | None = None
    cohort: Cohort | None = None
    role: str = ""
    status: str = ""
    due_from: date | None = None
    due_to: date | None = None
    learner: str = ""
    user_id: int | None = None
    sort: str = DEFAULT_SORT
    descending: bool = False


@dataclass
class ReportRow:
    enrolment_id: int
    user_id: int
    learner: str
    username: str
    active: bool
    cohort: str
    role: str
    course_id: int
    course: str
    status: str
    status_label: str
    percent: int
    best: Any
    final: Any
    due_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None

    def cells(self) -> list:
        """The row as the exports write it: the same values, in the order of COLUMNS."""
        return [
            self.learner,
            self.username,
            self.cohort,
            self.role,
            self.course,
            self.status_label,
            self.percent,
            None if self.best is None else float(self.best),
            None if self.final is None else float(self.final),
            _local_date(self.due_at),
            _local(self.completed_at),
            _local_date(self.expires_at),
        ]


@dataclass
class Totals:
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def assigned(self) -> int:
        return sum(self.by_status.values())

    @property
    def completed(self) -> int:
        """Holding a valid completion, including those about to expire."""
        return self.by_status.get(Status.COMPLETED, 0) + self.expiring

    @property
    def in_progress(self) -> int:
        return self.by_status.get(Status.IN_PROGRESS, 0) + self.by_status.get(Status.DUE_SOON, 0)

    @property
    def not_started(self) -> int:
        return self.by_status.get(Status.NOT_STARTED, 0)

    @property
    def overdue(self) -> int:
        return self.by_status.get(Status.OVERDUE, 0)

    @property
    def expiring(self) -> int:
        return self.by_status.get(Status.EXPIRING_SOON, 0)

    @property
    def expired(self) -> int:
        return self.by_status.get(Status.EXPIRED, 0)

    def rows(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every status, most urgent first."""
        return [(s, Status.LABELS[s], self.by_status.get(s, 0)) for s in STATUS_ORDER]


# --- The rows as SQL ------------------------------------------------------------------------


def _steps_total(courses: Iterable[Course]) -> dict[int, int]:
    """Required lessons plus required quizzes (lesson checks marked required, and the final)."""
    courses = list(courses)
    totals = {course.pk: 1 if course.final_quiz_id else 0 for course in courses}
    quizzes: dict[int, set[int]] = {course.pk: set() for course in courses}
    finals = {course.pk: course.final_quiz_id for course in courses}
    for course_id, required, quiz_id, quiz_required in Lesson.objects.filter(
        course_id__in=totals
    ).values_list("course_id", "required", "quiz_id", "quiz_required"):
        totals[course_id] += 1 if required else 0
        if quiz_required and quiz_id and quiz_id != finals[course_id]:
            quizzes[course_id].add(quiz_id)
    return {pk: totals[pk] + len(quizzes[pk]) for pk in totals}


def _by_course(values: dict[int, int]):
    if not values:
        return Value(0)
    return Case(
        *(When(course_id=pk, then=Value(n)) for pk, n in values.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def _filtered(filters: ReportFilters) -> QuerySet[Enrolment]:
    qs = Enrolment.objects.all()
    if filters.user_id is not None:
        qs = qs.filter(user_id=filters.user_id)
    if filters.course is not None:
        qs = qs.filter(course=filters.course)
    if filters.cohort is not None or filters.role:
        qs = qs.filter(Exists(_memberships(filters)))
    if filters.due_from:
        qs = qs.filter(due_at__gte=_start_of_day(filters.due_from))
    if filters.due_to:
        qs = qs.filter(due_at__lt=_start_of_day(filters.due_to + timedelta(days=1)))
    for word in filters.learner.split()[:4]:
        qs = qs.filter(
            Q(user__username__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
        )
    return qs


def _memberships(filters: ReportFilters) -> QuerySet[CohortMembership]:
    """The row's learner in the chosen cohort and role; any cohort when none is chosen."""
    members = CohortMembership.objects.filter(user_id=OuterRef("user_id"))
    if filters.cohort is not None:
        members = members.filter(cohort=filters.cohort)
    if filters.role:
        members = members.filter(role=filters.role)
    return members


def _status_case(now: datetime, started, values: dict[str, Any], output_field) -> Case:
    """progress.status_for as SQL, nested so each completion subquery runs once per row."""
    return Case(
        When(
            completed_at__isnull=True,
            then=Case(
                When(due_at__lt=now, then=Value(values[Status.OVERDUE])),
                When(
                    due_at__lt=now + timedelta(days=DUE_SOON_DAYS),
                    then=Value(values[Status.DUE_SOON]),
                ),
                When(started, then=Value(values[Status.IN_PROGRESS])),
                default=Value(values[Status.NOT_STARTED]),
            ),
        ),
        default=Case(
            When(expires_at__isnull=True, then=Value(values[Status.COMPLETED])),
            When(
                expires_at__gt=now + timedelta(days=EXPIRING_SOON_DAYS),
                then=Value(values[Status.COMPLETED]),
            ),
            When(expires_at__gt=now, then=Value(values[Status.EXPIRING_SOON])),
            default=Value(values[Status.EXPIRED]),
        ),
        output_field=output_field,
    )


def _steps_done(*, since=None):
    """Required lessons completed plus required quizzes passed, after ``since`` if given."""
    lessons = LessonProgress.objects.filter(
        user_id=OuterRef("user_id"),
        lesson__course_id=OuterRef("course_id"),
        lesson__required=True,
        completed_at__isnull=False,
    )
    required_quizzes = Lesson.objects.filter(
        course_id=OuterRef(OuterRef("course_id")), quiz_required=True, quiz__isnull=False
    ).values("quiz_id")
    passed = Attempt.objects.filter(
        user_id=OuterRef("user_id"), mode=Attempt.Mode.GRADED, passed=True
    ).filter(Q(quiz_id__in=required_quizzes) | Q(quiz_id=OuterRef("course__final_quiz_id")))
    if since is not None:
        lessons = lessons.filter(completed_at__gt=since)
        passed = passed.filter(submitted_at__gt=since)
    lessons = lessons.values("user_id").annotate(n=Count("pk")).values("n")
    passed = passed.values("user_id").annotate(n=Count("quiz_id", distinct=True)).values("n")
    return Coalesce(Subquery(lessons), 0) + Coalesce(Subquery(passed), 0)


def _annotated(qs: QuerySet[Enrolment], filters: ReportFilters, now: datetime) -> QuerySet:
    courses = [filters.course] if filters.course is not None else list(Course.objects.all())
    latest = (
        current_completions()
        .filter(user_id=OuterRef("user_id"), course_id=OuterRef("course_id"))
        .order_by("-completed_at", "-pk")
    )
    membership = _memberships(filters).order_by("-joined_at", "-pk")
    qs = qs.annotate(
        completed_at=Subquery(latest.values("completed_at")[:1]),
        expires_at=Subquery(latest.values("expires_at")[:1]),
        final_score=Subquery(latest.values("final_score")[:1]),
        cohort_name=Subquery(membership.values("cohort__name")[:1]),
        cohort_role=Subquery(membership.values("role")[:1]),
    )
    course_quizzes = Lesson.objects.filter(
        course_id=OuterRef(OuterRef("course_id")), quiz__isnull=False
    ).values("quiz_id")
    started = Exists(
        LessonProgress.objects.filter(
            user_id=OuterRef("user_id"), lesson__course_id=OuterRef("course_id")
        )
    ) | Exists(
        Attempt.objects.filter(user_id=OuterRef("user_id"), mode=Attempt.Mode.GRADED).filter(
            Q(quiz_id__in=course_quizzes) | Q(quiz_id=OuterRef("course__final_quiz_id"))
        )
    )
    best = (
        Attempt.objects.filter(
            user_id=OuterRef("user_id"),
            quiz_id=OuterRef("course__final_quiz_id"),
            mode=Attempt.Mode.GRADED,
            state__in=[Attempt.State.SUBMITTED, Attempt.State.EXPIRED],
        )
        .order_by("-percent")
        .values("percent")[:1]
    )
    # Progress towards the next completion (progress.counts_from): everything counts without a
    # completion; once a completion's renewal window has opened, what was done since it did.
    # A valid completion shows 100 %, so its steps are not counted.
    renewal_from = Greatest(
        OuterRef("completed_at"),
        OuterRef("expires_at") - timedelta(days=RENEWAL_WINDOW_DAYS),
        output_field=DateTimeField(),
    )
    renewing = Q(expires_at__lte=now + timedelta(days=EXPIRING_SOON_DAYS))
    qs = qs.annotate(
        status=_status_case(now, started, {s: s for s in Status.LABELS}, CharField()),
        steps_total=_by_course(_steps_total(courses)),
        steps_done=Case(
            When(completed_at__isnull=True, then=_steps_done()),
            When(renewing, then=_steps_done(since=renewal_from)),
            default=Value(0),
        ),
        best_score=Subquery(best),
    )
    ranks = {status: index for index, status in enumerate(STATUS_ORDER)}
    valid = Q(completed_at__isnull=False) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now + timedelta(days=EXPIRING_SOON_DAYS))
    )
    return qs.alias(
        status_rank=_status_case(now, started, ranks, IntegerField()),
        progress_ratio=Case(
            When(valid, then=Value(1.0)),
            When(steps_total=0, then=Value(0.0)),
            default=F("steps_done") * 1.0 / F("steps_total"),
            output_field=FloatField(),
        ),
    )


def report_queryset(filters: ReportFilters, *, now: datetime | None = None) -> QuerySet:
    """The report's rows for these filters, annotated and in the chosen order: one query.

    Reads the courses once before (a handful: their requirement counts become constants).
    """
    now = now or timezone.now()
    qs = _annotated(_filtered(filters), filters, now)
    if filters.status:
        qs = qs.filter(status=filters.status)
    fields = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    if filters.descending:
        order = [F(name).desc(nulls_last=True) for name in fields]
    else:
        order = [F(name).asc(nulls_last=True) for name in fields]
    return qs.order_by(*order, *(name for name in TIEBREAK if name not in fields))


ROW_VALUES = [
    "pk",
    "user_id",
    "user__first_name",
    "user__last_name",
    "user__username",
    "user__is_active",
    "course_id",
    "course__title",
    "due_at",
    "completed_at",
    "expires_at",
    "final_score",
    "best_score",
    "steps_done",
    "steps_total",
    "status",
    "cohort_name",
    "cohort_role",
]
ROLE_LABELS = dict(CohortMembership.Role.choices)


def _row(values: dict) -> ReportRow:
    status = values["status"]
    if status == Status.COMPLETED:
        percent = 100
    elif not values["steps_total"]:
        percent = 0
    else:  # the same rounding as progress.CourseProgress.percent
        percent = round(100 * values["steps_done"] / values["steps_total"])
    name = f"{values['user__first_name']} {values['user__last_name']}".strip()
    return ReportRow(
        enrolment_id=values["pk"],
        user_id=values["user_id"],
        learner=name or values["user__username"],
        username=values["user__username"],
        active=values["user__is_active"],
        cohort=values["cohort_name"] or "",
        role=ROLE_LABELS.get(values["cohort_role"], values["cohort_role"] or ""),
        course_id=values["course_id"],
        course=values["course__title"],
        status=status,
        status_label=Status.LABELS[status],
        percent=percent,
        best=values["best_score"],
        final=values["final_score"],
        due_at=values["due_at"],
        completed_at=values["completed_at"],
        expires_at=values["expires_at"],
    )


def report_totals(filters: ReportFilters, *, now: datetime | None = None) -> Totals:
    """How many rows have each status, for every filter but the status itself: one query."""
    now = now or timezone.now()
    qs = _annotated(_filtered(filters), filters, now)
    counts = qs.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    return Totals(by_status=dict(counts))


@dataclass
class ReportPage:
    rows: list[ReportRow]
    number: int
    pages: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def start(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.count else 0

    @property
    def end(self) -> int:
        return min(self.count, self.number * PAGE_SIZE)


def report_page(
    filters: ReportFilters, totals: Totals, page: int, *, now: datetime | None = None
) -> ReportPage:
    """One page of rows. The number of rows comes from the totals, so there is no COUNT."""
    count = totals.by_status.get(filters.status, 0) if filters.status else totals.assigned
    pages = max(1, -(-count // PAGE_SIZE))
    number = min(max(1, page), pages)
    offset = (number - 1) * PAGE_SIZE
    qs = report_queryset(filters, now=now).values(*ROW_VALUES)[offset : offset + PAGE_SIZE]
    return ReportPage([_row(values) for values in qs], number, pages, count)


def report_iter(filters: ReportFilters, *, now: datetime | None = None) -> Iterator[ReportRow]:
    """Every row, in the page's order, read in chunks: memory does not grow with the rows."""
    for values in report_queryset(filters, now=now).values(*ROW_VALUES).iterator(2000):
        yield _row(values)


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


# --- Charts' figures -------------------------------------------------------------------------


def completions_by_month(
    filters: ReportFilters, *, months: int = 24, now: datetime | None = None
) -> dict[Course, list[tuple[date, int]]]:
    """Completions recorded each month, per course, over the last ``months`` months: one query.

    Counts every current record (renewals too: each is a completion), for the learners the
    filters select (course, cohort, role); a month without any shows 0.
    """
    now = timezone.localtime(now or timezone.now())
    first = _month_add(now.date().replace(day=1), -(months - 1))
    qs = current_completions().filter(completed_at__gte=_start_of_day(first))
    if filters.course is not None:
        qs = qs.filter(course=filters.course)
    if filters.cohort is not None or filters.role:
        qs = qs.filter(Exists(_memberships(filters)))
    counts = (
        qs.annotate(month=TruncMonth("completed_at"))
        .order_by()
        .values("course_id", "month")
        .annotate(n=Count("pk"))
        .values_list("course_id", "month", "n")
    )
    by_course: dict[int, dict[date, int]] = {}
    for course_id, month, n in counts:
        key = month.date() if isinstance(month, datetime) else month
        by_course.setdefault(course_id, {})[key] = n
    courses = (
        [filters.course]
        if filters.course is not None
        else list(Course.objects.filter(pk__in=by_course).order_by("position", "title"))
    )
    calendar = [_month_add(first, i) for i in range(months)]
    return {
        course: [(month, by_course.get(course.pk, {}).get(month, 0)) for month in calendar]
        for course in courses
    }


def _month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def status_by_cohort(filters: ReportFilters, *, now: datetime | None = None) -> list[tuple]:
    """(cohort id, cohort name, Totals) for every cohort with rows: one query.

    A learner in two cohorts counts in both; the status filter is ignored (each cohort shows
    every status).
    """
    now = now or timezone.now()
    qs = _annotated(_filtered(filters), filters, now)
    members = qs.filter(user__cohort_memberships__isnull=False)
    if filters.role:
        members = members.filter(user__cohort_memberships__role=filters.role)
    counts = (
        members.order_by()
        .values(
            "user__cohort_memberships__cohort_id",
            "user__cohort_memberships__cohort__name",
            "status",
        )
        .annotate(n=Count("pk"))
        .values_list(
            "user__cohort_memberships__cohort_id",
            "user__cohort_memberships__cohort__name",
            "status",
            "n",
        )
    )
    cohorts: dict[int, tuple[str, Totals]] = {}
    for cohort_id, name, status, n in counts:
        cohorts.setdefault(cohort_id, (name, Totals()))[1].by_status[status] = n
    return [(pk, name, totals) for pk, (name, totals) in cohorts.items()]


# --- Learners, and critical items by cohort ---------------------------------------------------


def learner_rows(user_id: int, *, now: datetime | None = None) -> list[ReportRow]:
    """Every course on one learner's dashboard, as report rows."""
    filters = ReportFilters(user_id=user_id, sort="course")
    return [_row(values) for values in report_queryset(filters, now=now).values(*ROW_VALUES)]


@dataclass
class CriticalMisses:
    label: str
    learners: int
    answered: int
    missed: int
    key: str = ""
    cohort_id: int | None = None
    question_id: int | None = None

    @property
    def rate(self) -> float | None:
        return 100 * self.missed / self.answered if self.answered else None


def cohort_learners(*, cohort: Cohort | None = None, role: str = "") -> QuerySet | None:
    """The ids of the learners in a cohort and/or role, for item analysis; None for everyone."""
    if cohort is None and not role:
        return None
    members = CohortMembership.objects.all()
    if cohort is not None:
        members = members.filter(cohort=cohort)
    if role:
        members = members.filter(role=role)
    return members.values("user_id")


def critical_misses(
    *, quiz: Quiz, which: str, cohort: Cohort | None = None, role: str = ""
) -> tuple[list[CriticalMisses], list[CriticalMisses]]:
    """Critical items answered and missed in the attempts that count: per cohort, and per
    question (within the cohort when one is chosen). Two queries; most missed first.

    A critical item is one marked critical in the question's snapshot when the attempt
    started, so what counted then counts now; a learner in two cohorts counts in both.
    """
    counted = counted_attempts(quiz_ids=[quiz.pk], which=which)
    answers = AttemptQuestion.objects.filter(
        attempt__in=counted.values("id"), snapshot__critical=True
    )
    members = CohortMembership.objects.filter(user_id=OuterRef("attempt__user_id"))
    if role:
        members = members.filter(role=role)
    if cohort is not None or role:
        answers = answers.filter(Exists(members.filter(cohort=cohort) if cohort else members))
    figures = {
        "learners": Count("attempt__user_id", distinct=True),
        "answered": Count("pk"),
        "missed": Count("pk", filter=Q(is_correct=False)),
    }
    by_cohort_qs = CohortMembership.objects.filter(
        user__attempts__in=counted.values("id"),
        user__attempts__questions__snapshot__critical=True,
    )
    if cohort is not None:
        by_cohort_qs = by_cohort_qs.filter(cohort=cohort)
    if role:
        by_cohort_qs = by_cohort_qs.filter(role=role)
    by_cohort = [
        CriticalMisses(label=name, cohort_id=pk, learners=n, answered=a, missed=m)
        for pk, name, n, a, m in by_cohort_qs.order_by()
        .values("cohort_id", "cohort__name")
        .annotate(
            learners=Count("user_id", distinct=True),
            answered=Count("user__attempts__questions"),
            missed=Count(
                "user__attempts__questions",
                filter=Q(user__attempts__questions__is_correct=False),
            ),
        )
        .values_list("cohort_id", "cohort__name", "learners", "answered", "missed")
    ]
    by_question = [
        CriticalMisses(label=stem, key=key, question_id=pk, learners=n, answered=a, missed=m)
        for pk, key, stem, n, a, m in answers.order_by()
        .values("question_id", "question__key", "question__stem")
        .annotate(**figures)
        .values_list(
            "question_id", "question__key", "question__stem", "learners", "answered", "missed"
        )
    ]
    for rows in (by_cohort, by_question):
        rows.sort(key=lambda r: (-(r.rate or 0), -r.missed, r.label))
    return by_cohort, by_question


# --- Exports --------------------------------------------------------------------------------


def csv_safe(value):
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage
    return) gets a leading apostrophe (OWASP's advice against CSV injection). Numbers and
    dates are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Line:
    """A file-like object whose write() hands back the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def csv_lines(rows: Iterable[ReportRow]) -> Iterator[str]:
    """The report as CSV lines, header first, one line per row as it is read."""
    writer = csv.writer(_Line())
    yield writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        yield writer.writerow([csv_safe(_csv_text(cell)) for cell in row.cells()])


def xlsx_write(rows: Iterable[ReportRow], target) -> None:
    """The report as an XLSX workbook written to ``target`` (a path or a binary file).

    openpyxl's write-only mode keeps memory flat; text gets the same escaping as the CSV, since
    a spreadsheet would read a cell starting with = as a formula.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Completion report")
    sheet.append([label for _, label in COLUMNS])
    for row in rows:
        sheet.append([csv_safe(cell) for cell in row.cells()])
    workbook.save(target)
