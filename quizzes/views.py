from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .models import Attempt, AttemptQuestion
from .selectors import (
    attempt_of,
    attempt_questions,
    attempt_with_questions,
    feedback_allowed,
    public_question,
    quiz_by_slug,
    review_question,
)


def _own(read, request, attempt_id):
    """What ``read(attempt_id, user)`` finds of the learner's own attempt, or 404: nobody
    reaches another learner's attempt, and a malformed id is no attempt either."""
    try:
        found = read(attempt_id, request.user)
    except (ValidationError, ValueError) as exc:
        raise Http404("No such attempt.") from exc
    if found is None:
        raise Http404("No such attempt.")
    return found


def _get_attempt_for(request, attempt_id) -> Attempt:
    return _own(attempt_of, request, attempt_id)


def _get_attempt_and_questions(request, attempt_id) -> tuple[Attempt, list[AttemptQuestion]]:
    """The attempt and its questions, read together."""
    return _own(attempt_with_questions, request, attempt_id)


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
    quiz = quiz_by_slug(slug)
    if quiz is None:
        raise Http404("No such quiz.")
    try:
        attempt = services.attempt_start(quiz=quiz, user=request.user)
    except services.AttemptRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(_safe_next(request) or "training:dashboard")
    if next_url := _safe_next(request):
        request.session[f"attempt-return-{attempt.pk}"] = next_url
    return redirect("quizzes:attempt", attempt.pk)


def _raw_answer(snapshot: dict, data, position: int) -> dict:
    """The answer to question ``position`` as posted; the service checks every key."""
    name = f"q{position}"
    qtype = snapshot["type"]
    if qtype in ("single", "true_false"):
        return {"choice": data.get(name, "")}
    if qtype == "multiple":
        return {"choices": data.getlist(name)}
    fields = {item["key"]: data.get(f"{name}-{item['key']}", "") for item in snapshot["items"]}
    if qtype == "ordering":
        return {"places": fields}
    if qtype == "matching":
        return {"matches": fields}
    return {}


def _sequence(data, position: int) -> int:
    try:
        return int(data.get(f"seq{position}", "0"))
    except ValueError:
        return -1


def _seconds_left(attempt) -> int | None:
    """Whole seconds to the deadline by the server's clock, rounded up: the countdown runs
    from this, not from the learner's own clock, which may be wrong."""
    if attempt.deadline is None:
        return None
    return max(0, math.ceil((attempt.deadline - timezone.now()).total_seconds()))


def _render_attempt(request, attempt, questions, *, raws=None, errors=None, problem="", status=200):
    raws, errors = raws or {}, errors or {}
    practice = attempt.mode == Attempt.Mode.PRACTICE
    show = practice and any(aq.score is not None for aq in questions) and feedback_allowed(attempt)
    cards = []
    for aq in questions:
        card = public_question(aq, raw=raws.get(aq.position), error=errors.get(aq.position, ""))
        if card["checked"]:
            card["review"] = review_question(aq, show_answers=show)
        cards.append(card)
    context = {
        "attempt": attempt,
        "quiz_title": attempt.title,
        "questions": cards,
        "total": len(cards),
        "answered": sum(1 for aq in questions if aq.response is not None),
        "errors": errors,
        "problem": problem,
        "practice": practice,
        "seconds_left": _seconds_left(attempt),
    }
    return render(request, "quizzes/attempt.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def attempt_page(request, attempt_id):
    attempt, questions = _get_attempt_and_questions(request, attempt_id)
    if services.attempt_expire_if_due(attempt):
        if request.method == "POST":
            messages.warning(request, services.TIME_IS_UP + " Your saved answers were submitted.")
        return redirect("quizzes:result", attempt.pk)
    if request.method == "GET":
        return _render_attempt(request, attempt, questions)
    return _attempt_post(request, attempt, questions)


def _attempt_post(request, attempt, questions):
    """The page as one form (no JavaScript, "Save answers", "Submit", "Check answer").

    Every answer is checked before any is saved: a refused page is shown again with what was
    posted and the reason by each question, and nothing is written.
    """
    raws = {aq.position: _raw_answer(aq.snapshot, request.POST, aq.position) for aq in questions}
    answers = {pos: (raw, _sequence(request.POST, pos)) for pos, raw in raws.items()}
    submit = "submit" in request.POST
    try:
        services.attempt_save_answers(
            attempt=attempt, questions=questions, answers=answers, submit=submit
        )
    except services.ForeignOption as refusal:
        problem = f"{refusal} Nothing was saved."
        return _render_attempt(request, attempt, questions, problem=problem, status=400)
    except services.AnswersRefused as refusal:
        if refusal.status == 409:
            # Show the newer saved answer where another tab got there first; keep the rest.
            questions = attempt_questions(attempt)
            raws = {pos: raw for pos, raw in raws.items() if pos not in refusal.problems}
        return _render_attempt(
            request,
            attempt,
            questions,
            raws=raws,
            errors=refusal.problems,
            problem="Nothing was saved. Please look at the questions marked below.",
            status=refusal.status,
        )
    except services.AnswerRefused as refusal:
        messages.warning(request, str(refusal))
        return redirect("quizzes:result", attempt.pk)
    if submit:
        return redirect("quizzes:result", attempt.pk)
    check = request.POST.get("check", "")
    if check.isdigit():
        try:
            services.practice_check(attempt=attempt, position=int(check))
        except services.AnswerRefused as refusal:
            messages.error(request, str(refusal))
        return redirect(f"{reverse('quizzes:attempt', args=[attempt.pk])}#question-{check}")
    messages.success(request, "Your answers are saved.")
    return redirect("quizzes:attempt", attempt.pk)


def _one_choice(data, position: int) -> str:
    """The key posted for question ``position`` when it is one key and nothing else: the
    answer to a single-choice or true/false question, which the service saves in one
    statement (any other question type refuses it there and takes the general path)."""
    values = data.getlist(f"q{position}")
    return values[0] if len(values) == 1 else ""


def _saved(sequence: int) -> HttpResponse:
    """A save's answer, ``{"saved": true, "sequence": N}``, as JsonResponse writes it: written
    out, as ten of these go with every quiz (JsonResponse encodes through Django's encoder)."""
    return HttpResponse(
        b'{"saved": true, "sequence": %d}' % sequence, content_type="application/json"
    )


@require_POST
@login_required
def attempt_answer(request, attempt_id, position):
    """Saves one answer as it is given (called by the page's script); answers JSON."""
    try:
        sequence = services.answer_save(
            attempt_id=attempt_id,
            user=request.user,
            position=position,
            raw_for=lambda snapshot: _raw_answer(snapshot, request.POST, position),
            sequence=_sequence(request.POST, position),
            choice=_one_choice(request.POST, position),
        )
    except AttemptQuestion.DoesNotExist as exc:
        raise Http404("No such question.") from exc
    except services.AnswerRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=refusal.status)
    return _saved(sequence)


@require_POST
@login_required
def attempt_submit(request, attempt_id):
    attempt = _get_attempt_for(request, attempt_id)
    if not services.attempt_expire_if_due(attempt):
        services.attempt_submit(attempt=attempt)
    return redirect("quizzes:result", attempt.pk)


@never_cache
@login_required
def attempt_result(request, attempt_id):
    attempt, questions = _get_attempt_and_questions(request, attempt_id)
    was_open = attempt.is_open
    if services.attempt_expire_if_due(attempt) is False:
        return redirect("quizzes:attempt", attempt.pk)
    if was_open:  # marked just now, as its time ran out: read the questions as marked
        questions = attempt_questions(attempt)
    show = feedback_allowed(attempt)
    review = [review_question(aq, show_answers=show) for aq in questions]
    missed = set(attempt.critical_missed)
    context = {
        "attempt": attempt,
        "quiz_title": attempt.title,
        "review": review,
        "show_answers": show,
        "critical_missed": [q for q in review if q["position"] in missed],
        "require_critical": attempt.settings_snapshot.get("require_critical", False),
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
