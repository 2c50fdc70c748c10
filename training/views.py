from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from quizzes.models import Attempt
from quizzes.services import quiz_availability
from quizzes.text import render_markdown

from . import services
from .curriculum import render_lesson_body
from .models import Course, Lesson, LessonProgress
from .progress import learner_courses, progress_for


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
    # Overdue and due-soon first, then by due date, undated last.
    rows = sorted(
        (progress[c.pk] for c in courses),
        key=lambda p: (
            p.status not in ("overdue", "due_soon"),
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
    states = dict(
        LessonProgress.objects.filter(user=request.user, lesson__course=course).values_list(
            "lesson_id", "completed_at"
        )
    )
    passed = set(
        Attempt.objects.filter(
            user=request.user, quiz__lessons__course=course, passed=True, mode="graded"
        ).values_list("quiz_id", flat=True)
    )
    lesson_rows = [
        {
            "lesson": lesson,
            "started": lesson.pk in states,
            "completed": states.get(lesson.pk) is not None,
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
    siblings = list(course.lessons.order_by("position").values_list("slug", "title"))
    index = [s for s, _ in siblings].index(lesson.slug)
    context = {
        "course": course,
        "lesson": lesson,
        "body_html": render_lesson_body(lesson),
        "completed": progress.completed_at is not None,
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
