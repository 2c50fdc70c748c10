from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .models import Attempt, Quiz
from .selectors import feedback_allowed, public_question, review_question


def _get_attempt_for(request, attempt_id) -> Attempt:
    """The learner's own attempt, or 404: nobody reaches another learner's attempt."""
    try:
        return Attempt.objects.select_related("quiz").get(pk=attempt_id, user=request.user)
    except (Attempt.DoesNotExist, ValueError) as exc:
        raise Http404("No such attempt.") from exc


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_POST
@login_required
def quiz_start(request, slug):
    quiz = get_object_or_404(Quiz, slug=slug)
    try:
        attempt = services.attempt_start(quiz=quiz, user=request.user)
    except services.AttemptRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(_safe_next(request) or "training:dashboard")
    if next_url := _safe_next(request):
        request.session[f"attempt-return-{attempt.pk}"] = next_url
    return redirect("quizzes:attempt", attempt.pk)


def _raw_answer(snapshot: dict, data, position: int) -> dict:
    name = f"q{position}"
    qtype = snapshot["type"]
    if qtype in ("single", "true_false"):
        return {"choice": data.get(name, "")}
    if qtype == "multiple":
        return {"choices": data.getlist(name)}
    if qtype == "ordering":
        places = {}
        for item in snapshot["items"]:
            value = data.get(f"{name}-{item['key']}", "")
            if value:
                places[item["key"]] = value
        if not places:
            return {"order": []}
        try:
            ranked = sorted(places.items(), key=lambda kv: int(kv[1]))
        except ValueError as exc:
            raise services.AnswerRefused("A place in the sequence must be a number.") from exc
        if len(places) != len(snapshot["items"]) or len(set(places.values())) != len(places):
            raise services.AnswerRefused(f"Question {position}: give every step a different place.")
        return {"order": [key for key, _ in ranked]}
    if qtype == "matching":
        return {
            "matches": {
                item["key"]: data.get(f"{name}-{item['key']}", "") for item in snapshot["items"]
            }
        }
    return {}


def _sequence(data, position: int) -> int:
    try:
        return int(data.get(f"seq{position}", "0"))
    except ValueError:
        return -1


@require_http_methods(["GET", "POST"])
@login_required
def attempt_page(request, attempt_id):
    attempt = _get_attempt_for(request, attempt_id)
    if services.attempt_expire_if_due(attempt):
        if request.method == "POST":
            messages.warning(request, "Time ran out: your saved answers were submitted.")
        return redirect("quizzes:result", attempt.pk)
    questions = list(attempt.questions.all())
    if request.method == "POST":
        # The no-JavaScript path: the whole page is one form; save what changed.
        problems = []
        for aq in questions:
            try:
                raw = _raw_answer(aq.snapshot, request.POST, aq.position)
                services.attempt_answer(
                    attempt=attempt,
                    position=aq.position,
                    raw=raw,
                    sequence=_sequence(request.POST, aq.position),
                    question=aq,
                )
            except services.ForeignOption as refusal:
                return JsonResponse({"error": str(refusal)}, status=400)
            except services.AnswerRefused as refusal:
                problems.append(str(refusal))
                if refusal.status == 409 and not attempt.is_open:
                    break
        attempt.refresh_from_db()
        if not attempt.is_open:
            messages.warning(request, problems[0] if problems else "This attempt was submitted.")
            return redirect("quizzes:result", attempt.pk)
        for problem in problems:
            messages.error(request, problem)
        if "submit" in request.POST and not problems:
            services.attempt_submit(attempt=attempt)
            return redirect("quizzes:result", attempt.pk)
        if not problems:
            messages.success(request, "Your answers are saved.")
        return redirect("quizzes:attempt", attempt.pk)
    context = {
        "attempt": attempt,
        "quiz_title": attempt.settings_snapshot.get("title", attempt.quiz.title),
        "questions": [public_question(aq) for aq in questions],
        "answered": sum(1 for aq in questions if aq.response is not None),
    }
    return render(request, "quizzes/attempt.html", context)


@require_POST
@login_required
def attempt_answer(request, attempt_id, position):
    """Saves one answer as it is given (called by the page's script); answers JSON."""
    attempt = _get_attempt_for(request, attempt_id)
    aq = attempt.questions.filter(position=position).first()
    if aq is None:
        raise Http404("No such question.")
    try:
        raw = _raw_answer(aq.snapshot, request.POST, position)
        saved = services.attempt_answer(
            attempt=attempt,
            position=position,
            raw=raw,
            sequence=_sequence(request.POST, position),
            question=aq,
        )
    except services.AnswerRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=refusal.status)
    return JsonResponse({"saved": True, "sequence": saved.sequence})


@require_POST
@login_required
def attempt_submit(request, attempt_id):
    attempt = _get_attempt_for(request, attempt_id)
    if not services.attempt_expire_if_due(attempt):
        services.attempt_submit(attempt=attempt)
    return redirect("quizzes:result", attempt.pk)


@login_required
def attempt_result(request, attempt_id):
    attempt = _get_attempt_for(request, attempt_id)
    if services.attempt_expire_if_due(attempt) is False:
        return redirect("quizzes:attempt", attempt.pk)
    show = feedback_allowed(attempt)
    questions = list(attempt.questions.all())
    context = {
        "attempt": attempt,
        "quiz_title": attempt.settings_snapshot.get("title", attempt.quiz.title),
        "review": [review_question(aq, show_answers=show) for aq in questions],
        "show_answers": show,
        "critical_missed": attempt.critical_missed,
        "return_url": request.session.get(f"attempt-return-{attempt.pk}", ""),
        "can_practise": attempt.is_graded and attempt.passed is False,
    }
    return render(request, "quizzes/result.html", context)


@require_POST
@login_required
def practice_start(request, attempt_id):
    attempt = _get_attempt_for(request, attempt_id)
    try:
        practice = services.practice_start(attempt=attempt, user=request.user)
    except services.AttemptRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("quizzes:result", attempt.pk)
    return redirect("quizzes:attempt", practice.pk)
