from __future__ import annotations

import csv
import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.db import connection
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quizzes.models import Attempt
from quizzes.services import quiz_availability
from quizzes.text import render_markdown

from . import certificates, selectors, services
from .curriculum import render_lesson_body
from .forms import (
    AssignmentForm,
    CohortForm,
    CompletionCorrectionForm,
    LearnerAssignmentForm,
    MemberAddForm,
    MembersUploadForm,
)
from .models import Assignment, Cohort, CohortMembership, Completion, Course, Lesson, LessonProgress
from .progress import Status, cycle_start, learner_courses, progress_for, progress_table


def _get_course_for(request, slug) -> Course:
    """A published course the user is enrolled on (staff may preview any), else 404."""
    qs = Course.objects.filter(slug=slug)
    if not request.user.has_perm("training.change_course"):
        qs = qs.filter(published=True, enrolments__user=request.user)
    course = qs.select_related("final_quiz").first()
    if course is None:
        raise Http404("No such course.")
    return course


@login_required
def dashboard(request):
    courses = learner_courses(request.user)
    progress = progress_for(request.user, courses)
    # Overdue, expired, due soon and expiring first, then by due date, undated last.
    rows = sorted(
        (progress[c.pk] for c in courses),
        key=lambda p: (
            p.status not in Status.URGENT,
            p.due_at is None,
            p.due_at.timestamp() if p.due_at else 0,
        ),
    )
    return render(request, "training/dashboard.html", {"rows": rows})


@login_required
def course_detail(request, slug):
    course = _get_course_for(request, slug)
    lessons = list(course.lessons.select_related("quiz").order_by("position"))
    progress = progress_for(request.user, [course])[course.pk]
    since = progress.counts_from
    states = {
        row.lesson_id: row
        for row in LessonProgress.objects.filter(user=request.user, lesson__course=course)
    }
    passes = Attempt.objects.filter(
        user=request.user, quiz__lessons__course=course, passed=True, mode=Attempt.Mode.GRADED
    )
    if since is not None:
        passes = passes.filter(submitted_at__gt=since)
    passed = set(passes.values_list("quiz_id", flat=True))
    lesson_rows = [
        {
            "lesson": lesson,
            "started": lesson.pk in states,
            "completed": services.lesson_done_in_cycle(states.get(lesson.pk), since),
            "quiz_passed": lesson.quiz_id in passed,
        }
        for lesson in lessons
    ]
    minutes = sum(lesson.estimated_minutes for lesson in lessons)
    final_passed = course.final_quiz_id in progress.quizzes_passed
    availability = (
        quiz_availability(quiz=course.final_quiz, user=request.user) if course.final_quiz else None
    )
    context = {
        "course": course,
        "progress": progress,
        "lesson_rows": lesson_rows,
        "minutes": minutes,
        "contact_hours": Course.contact_hours_for(minutes) if course.earns_contact_hours else None,
        "final_passed": final_passed,
        "final_availability": availability,
        "summary_html": render_markdown(course.summary),
    }
    return render(request, "training/course.html", context)


@login_required
def lesson_detail(request, slug, lesson_slug):
    course = _get_course_for(request, slug)
    lesson = Lesson.objects.filter(course=course, slug=lesson_slug).select_related("quiz").first()
    if lesson is None:
        raise Http404("No such lesson.")
    progress = services.lesson_open(user=request.user, lesson=lesson)
    # A lesson done before a renewal window opened must be done again (progress.counts_from).
    since = None
    if progress.completed_at is not None:
        current = services.current_completion(user=request.user, course=course)
        since = cycle_start(current, timezone.now())
    siblings = list(course.lessons.order_by("position").values_list("slug", "title"))
    index = [s for s, _ in siblings].index(lesson.slug)
    context = {
        "course": course,
        "lesson": lesson,
        "body_html": render_lesson_body(lesson),
        "completed": services.lesson_done_in_cycle(progress, since),
        "previous": siblings[index - 1] if index > 0 else None,
        "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        "number": index + 1,
        "total": len(siblings),
    }
    return render(request, "training/lesson.html", context)


@require_POST
@login_required
def lesson_complete(request, slug, lesson_slug):
    course = _get_course_for(request, slug)
    lesson = Lesson.objects.filter(course=course, slug=lesson_slug).first()
    if lesson is None:
        raise Http404("No such lesson.")
    services.lesson_complete(user=request.user, lesson=lesson)
    messages.success(request, f"“{lesson.title}” is marked complete.")
    return redirect(lesson.get_absolute_url() + "#next-steps")


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# --- Transcripts and certificates ---------------------------------------------------------------


def _get_learner_for(request, user_id):
    """The learner whose records are asked for: oneself, or anyone for educators and
    administrators; 404 for everyone else."""
    if user_id is None or user_id == request.user.pk:
        return request.user
    if not request.user.has_perm("training.view_completion"):
        raise Http404("No such learner.")
    return get_object_or_404(get_user_model(), pk=user_id)


def _get_completion_for(request, pk) -> Completion:
    """A learner's own completion; educators and administrators reach any. Else 404."""
    records = Completion.objects.select_related("corrects")
    if not request.user.has_perm("training.view_completion"):
        records = records.filter(user=request.user)
    completion = records.filter(pk=pk).first()
    if completion is None:
        raise Http404("No such certificate.")
    return completion


def _download_name(learner, what: str, extension: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", learner.get_username()) or "learner"
    return f"{what}-{safe}.{extension}"


@require_GET
@login_required
def transcript(request, user_id=None):
    learner = _get_learner_for(request, user_id)
    own = learner.pk == request.user.pk
    context = {
        "learner": learner,
        "own": own,
        "rows": selectors.transcript(learner),
        "can_correct": request.user.has_perm("training.correct_completion"),
        "csv_url": reverse_transcript(learner, own, "csv"),
        "pdf_url": reverse_transcript(learner, own, "pdf"),
    }
    return render(request, "training/transcript.html", context)


def reverse_transcript(learner, own: bool, extension: str) -> str:
    if own:
        return reverse(f"training:transcript_{extension}")
    return reverse(f"training:learner_transcript_{extension}", args=[learner.pk])


TRANSCRIPT_COLUMNS = [
    "learner",
    "username",
    "course",
    "course_version",
    "record",
    "completed_at",
    "final_score",
    "pass_mark",
    "contact_hours",
    "due_at",
    "expires_at",
    "status",
    "certificate_code",
    "correction_reason",
]


@require_GET
@login_required
def transcript_csv(request, user_id=None):
    learner = _get_learner_for(request, user_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = _download_name(learner, "transcript", "csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(TRANSCRIPT_COLUMNS)
    for row in selectors.transcript(learner):
        c = row["completion"]
        values = [
            c.learner_name,
            learner.get_username(),
            c.course_title,
            c.course_version,
            c.kind,
            c.completed_at.isoformat(),
            c.final_score,
            c.pass_mark,
            c.contact_hours,
            c.due_at.isoformat() if c.due_at else "",
            c.expires_at.isoformat() if c.expires_at else "",
            row["status"],
            c.certificate_code,
            c.correction_reason,
        ]
        writer.writerow([selectors.csv_safe(v) for v in values])
    return response


@require_GET
@login_required
def transcript_pdf(request, user_id=None):
    learner = _get_learner_for(request, user_id)
    pdf = certificates.transcript_pdf(learner=learner, rows=selectors.transcript(learner))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = _download_name(learner, "transcript", "pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@login_required
def certificate(request, pk):
    completion = _get_completion_for(request, pk)
    response = HttpResponse(
        certificates.certificate_pdf(completion), content_type="application/pdf"
    )
    filename = f"certificate-{completion.certificate_code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("training.correct_completion", raise_exception=True)
def completion_correct(request, pk):
    completion = _get_completion_for(request, pk)
    form = CompletionCorrectionForm(request.POST or None, completion=completion)
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.completion_correct(
                completion=completion,
                recorded_by=request.user,
                reason=form.cleaned_data["reason"],
                **form.cleaned_data["changes"],
            )
        except services.TrainingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, f"Correction recorded: new certificate {correction.certificate_code}."
            )
            return redirect("training:learner_transcript", completion.user_id)
    return render(
        request, "training/completion_correct.html", {"form": form, "completion": completion}
    )


CODE_SHAPE = re.compile(r"^[A-Za-z0-9-]{1,40}$")


@require_GET
def verify(request, code):
    """Public: confirms a certificate from its code, showing nothing but what it attests."""
    completion = None
    if CODE_SHAPE.match(code):
        completion = selectors.completion_records().filter(certificate_code=code.upper()).first()
    status = selectors.certificate_status(completion) if completion else None
    context = {
        "code": code[:40],
        "completion": completion,
        "status": status,
        "status_label": selectors.CertificateStatus.LABELS.get(status, "Not found"),
    }
    return render(request, "training/verify.html", context, status=200 if completion else 404)


@require_GET
def verify_lookup(request):
    code = request.GET.get("code", "").strip()
    if code:
        if not CODE_SHAPE.match(code):
            code = "invalid"
        return redirect("training:verify", code.upper())
    return render(request, "training/verify.html", {"lookup": True})


# --- Cohorts and assignments (educators) ----------------------------------------------------


def _get_cohort(pk) -> Cohort:
    return get_object_or_404(Cohort.objects.prefetch_related("educators"), pk=pk)


def _cohort_page(request, cohort, *, status=200, **forms):
    memberships = list(
        CohortMembership.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    assignments = list(
        Assignment.objects.filter(cohort=cohort).select_related("course", "assigned_by")
    )
    courses = [a.course for a in assignments]
    table = progress_table(user_ids=[m.user_id for m in memberships], courses=courses)
    members = [
        {
            "membership": m,
            "cells": [table[(m.user_id, course.pk)] for course in courses],
        }
        for m in memberships
    ]
    summaries = []
    for assignment in assignments:
        rows = [table[(m.user_id, assignment.course_id)] for m in memberships]
        done = sum(1 for p in rows if p.status in (Status.COMPLETED, Status.EXPIRING_SOON))
        late = sum(1 for p in rows if p.status in (Status.OVERDUE, Status.EXPIRED))
        total = len(rows)
        summaries.append(
            {
                "assignment": assignment,
                "done": done,
                "late": late,
                "total": total,
                "percent": round(100 * done / total) if total else 0,
            }
        )
    context = {
        "cohort": cohort,
        "members": members,
        "courses": courses,
        "summaries": summaries,
        "member_form": forms.get("member_form") or MemberAddForm(),
        "upload_form": forms.get("upload_form") or MembersUploadForm(),
        "assign_form": forms.get("assign_form") or AssignmentForm(),
        "upload_problems": forms.get("upload_problems") or [],
    }
    return render(request, "training/cohort_detail.html", context, status=status)


@require_GET
@login_required
@permission_required("training.view_cohort", raise_exception=True)
def cohort_list(request):
    cohorts = Cohort.objects.annotate(
        member_count=Count("memberships", distinct=True),
        assignment_count=Count("assignments", distinct=True),
    ).prefetch_related(Prefetch("educators", queryset=get_user_model().objects.order_by("pk")))
    return render(request, "training/cohort_list.html", {"cohorts": cohorts})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("training.add_cohort", raise_exception=True)
def cohort_create(request):
    form = CohortForm(request.POST or None, initial={"educators": [request.user.pk]})
    if request.method == "POST" and form.is_valid():
        cohort = services.cohort_save(
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            educators=form.cleaned_data["educators"],
        )
        messages.success(request, f"Cohort “{cohort}” created.")
        return redirect(cohort)
    return render(request, "training/cohort_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("training.change_cohort", raise_exception=True)
def cohort_edit(request, pk):
    cohort = _get_cohort(pk)
    form = CohortForm(request.POST or None, instance=cohort)
    if request.method == "POST" and form.is_valid():
        services.cohort_save(
            cohort=cohort,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            educators=form.cleaned_data["educators"],
        )
        messages.success(request, "Cohort saved.")
        return redirect(cohort)
    return render(request, "training/cohort_form.html", {"form": form, "cohort": cohort})


@require_GET
@login_required
@permission_required("training.view_cohort", raise_exception=True)
def cohort_detail(request, pk):
    return _cohort_page(request, _get_cohort(pk))


@require_POST
@login_required
@permission_required("training.add_cohortmembership", raise_exception=True)
def cohort_member_add(request, pk):
    cohort = _get_cohort(pk)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            services.cohort_member_add(
                cohort=cohort, user=form.cleaned_data["learner"], role=form.cleaned_data["role"]
            )
        except services.TrainingRefused as refusal:
            form.add_error("learner", str(refusal))
        else:
            learner = form.cleaned_data["learner"]
            messages.success(request, f"{learner.get_full_name() or learner} added.")
            return redirect(cohort)
    return _cohort_page(request, cohort, member_form=form, status=400)


@require_POST
@login_required
@permission_required("training.add_cohortmembership", raise_exception=True)
def cohort_members_upload(request, pk):
    cohort = _get_cohort(pk)
    form = MembersUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            report = services.cohort_members_import(
                cohort=cohort,
                data=form.cleaned_data["file"].read(),
                default_role=form.cleaned_data["default_role"],
            )
        except services.MemberImportError as refusal:
            return _cohort_page(
                request,
                cohort,
                upload_form=form,
                upload_problems=refusal.problems,
                status=400,
            )
        summary = f"{len(report.added)} added"
        if report.already:
            summary += f"; {len(report.already)} already members"
        if report.duplicates:
            summary += f"; {report.duplicates} listed twice"
        messages.success(request, summary + ".")
        return redirect(cohort)
    return _cohort_page(request, cohort, upload_form=form, status=400)


@require_POST
@login_required
@permission_required("training.delete_cohortmembership", raise_exception=True)
def cohort_member_remove(request, pk, membership_id):
    cohort = _get_cohort(pk)
    membership = get_object_or_404(
        CohortMembership.objects.select_related("user"), pk=membership_id, cohort=cohort
    )
    services.cohort_member_remove(membership=membership)
    messages.success(request, f"{membership.user.get_full_name() or membership.user} removed.")
    return redirect(cohort)


@require_POST
@login_required
@permission_required("training.add_assignment", raise_exception=True)
def cohort_assign(request, pk):
    cohort = _get_cohort(pk)
    form = AssignmentForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_create(
                course=form.cleaned_data["course"],
                cohort=cohort,
                due_on=form.cleaned_data["due_on"],
                due_days=form.cleaned_data["due_days"],
                assigned_by=request.user,
            )
        except services.TrainingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"“{form.cleaned_data['course']}” assigned.")
            return redirect(cohort)
    return _cohort_page(request, cohort, assign_form=form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("training.add_assignment", raise_exception=True)
def learner_assign(request):
    form = LearnerAssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        learner = form.cleaned_data["learner"]
        try:
            services.assignment_create(
                course=form.cleaned_data["course"],
                user=learner,
                due_on=form.cleaned_data["due_on"],
                due_days=form.cleaned_data["due_days"],
                assigned_by=request.user,
            )
        except services.TrainingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            name = learner.get_full_name() or learner.get_username()
            messages.success(request, f"“{form.cleaned_data['course']}” assigned to {name}.")
            return redirect("training:learner_transcript", learner.pk)
    individual = Assignment.objects.filter(user__isnull=False).select_related(
        "user", "course", "assigned_by"
    )[:200]
    return render(
        request, "training/assignment_form.html", {"form": form, "individual": individual}
    )


@require_POST
@login_required
@permission_required("training.delete_assignment", raise_exception=True)
def assignment_remove(request, pk):
    assignment = get_object_or_404(Assignment.objects.select_related("cohort", "course"), pk=pk)
    services.assignment_remove(assignment=assignment)
    messages.success(request, f"“{assignment.course}” is no longer assigned.")
    if assignment.cohort_id:
        return redirect(assignment.cohort)
    return redirect("training:learner_assign")
