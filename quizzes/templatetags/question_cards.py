"""The question cards of the attempt and result pages, built in Python.

A quiz page shows ten questions of about four options each, and every learner opens it, and
its result page, for every attempt. Through the template language a card cost about 150 µs
and each option about 60 µs: every variable looked up, localised and escaped on its own, and
every escape a lazy-aware wrapper around ``html.escape``. Built here as plain strings the same
markup costs a few µs a card. The rule that keeps it safe is the template's: every value goes
through ``_e`` (``html.escape``, as Django's ``escape`` does) except the HTML that was rendered
from Markdown and sanitised when the attempt started (``stem_html``, ``html``,
``feedback_html``, ``rationale_html``), which the templates showed with ``|safe``.

The cards are built from the dicts of ``quizzes.selectors``: ``public_question`` (keys and
text, never the answers) before submission, ``review_question`` after it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.template.defaultfilters import pluralize
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _e(value) -> str:
    return escape(str(value))


_HUNDREDTHS = Decimal("0.01")


def _score(value) -> str:
    """A question's score as ``floatformat:-2`` shows it in English: a whole number without
    decimals, any other to two places, rounded half up. A tenth of the time: floatformat
    goes through the locale's number formatting for every card."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return str(value.quantize(_HUNDREDTHS, ROUND_HALF_UP))


def _image(item: dict, css: str = "img-fluid d-block choice-image") -> str:
    if not item["image"]:
        return ""
    return f'<img src="{_e(item["image"])}" alt="{_e(item["image_alt"])}" class="{css}">'


def _options(pairs, chosen) -> str:
    """``<option>``s for ``(value, text)`` pairs, ``chosen`` selected; texts are HTML."""
    return "".join(
        f'<option value="{_e(value)}"{" selected" if value == chosen else ""}>{text}</option>'
        for value, text in pairs
    )


def _choice(q: dict, item: dict) -> str:
    checked = " checked" if item["selected"] else ""
    id_ = _e(item["id"])
    return (
        '<div class="form-check">\n'
        f'<input class="form-check-input" type="{q["input_type"]}" name="{_e(q["name"])}" '
        f'id="{id_}" value="{_e(item["key"])}"{checked}>\n'
        f'<label class="form-check-label" for="{id_}">{item["html"]}{_image(item)}</label>\n'
        "</div>\n"
    )


def _ordering(q: dict, item: dict) -> str:
    id_ = _e(item["id"])
    places = _options(((place, place) for place in q["places"]), item["place"])
    return (
        '<div class="row g-2 align-items-center mb-2">\n'
        '<div class="col-auto">\n'
        f'<select class="form-select place-select" name="{id_}" id="{id_}">\n'
        f'<option value="">Place…</option>{places}\n'
        "</select>\n"
        "</div>\n"
        f'<label class="col form-label mb-0" for="{id_}">'
        '<span class="visually-hidden">Place of the step: </span>'
        f"{item['html']}{_image(item)}</label>\n"
        "</div>\n"
    )


def _matching(answers: list, item: dict) -> str:
    id_ = _e(item["id"])
    return (
        '<div class="row g-2 align-items-center mb-2">\n'
        f'<label class="col-12 col-md-5 form-label mb-0" for="{id_}">'
        f"{item['html']}{_image(item)}</label>\n"
        '<div class="col-12 col-md-7">\n'
        f'<select class="form-select" name="{id_}" id="{id_}">\n'
        f'<option value="">Choose a match…</option>{_options(answers, item["chosen"])}\n'
        "</select>\n"
        "</div>\n"
        "</div>\n"
    )


def answer_fields(q: dict) -> str:
    """The inputs of question ``q``, a card from ``quizzes.selectors.public_question``:
    radios or checkboxes, a place per step, a match per item."""
    qtype, items = q["type"], q["items"]
    if qtype in ("single", "true_false", "multiple"):
        return "".join(_choice(q, item) for item in items)
    if qtype == "ordering":
        return "".join(_ordering(q, item) for item in items)
    if qtype == "matching":
        # An answer's text without its markup: an <option> holds text only. The text is
        # already escaped by the sanitiser, so it is not escaped a second time.
        answers = [(a["key"], strip_tags(a["html"])) for a in q["answers"]]
        return "".join(_matching(answers, item) for item in items)
    return ""


_YOUR_ANSWER = '<span class="fw-semibold">Your answer:</span> '
_RIGHT = ' <span class="mark mark-ok">✓ correct answer</span>'
_WRONG = ' <span class="mark mark-bad">✗</span>'


def _review_choice(item: dict, show: bool) -> str:
    mark = ""
    if show and item["correct"]:
        mark = _RIGHT
    elif show and item["selected"]:
        mark = _WRONG
    feedback = ""
    if show and item["selected"] and item["feedback_html"]:
        feedback = f'<div class="small ms-3">{item["feedback_html"]}</div>'
    chosen = _YOUR_ANSWER if item["selected"] else ""
    return f'<li class="mb-1">{chosen}{item["html"]}{_image(item)}{mark}{feedback}</li>\n'


def _review_ordering(item: dict, show: bool) -> str:
    misplaced = ""
    if show and item["given_place"] != item["correct_place"]:
        misplaced = f' <span class="mark-bad">(✗ belongs at {_e(item["correct_place"])})</span>'
    given = _e(item["given_place"] or "nowhere")
    return (
        f'<li>{item["html"]}{_image(item)} <span class="small">— you placed it {given}'
        f"{misplaced}</span></li>"
    )


def _review_matching(item: dict, show: bool) -> str:
    verdict = ""
    if show and item["correct"]:
        verdict = ' <span class="mark mark-ok">✓ correct</span>'
    elif show:
        verdict = f' <span class="mark mark-bad">✗</span> correct match: {item["correct_answer"]}'
    given = item["given"] or "no answer"
    return f'<li class="mb-1">{item["html"]}{_image(item)} → <strong>{given}</strong>{verdict}</li>'


def review_items(q: dict) -> str:
    """The options of a marked question ``q``, a card from
    ``quizzes.selectors.review_question``: what the learner gave and, only when
    ``q["show_answers"]``, the key and the feedback on the option they chose."""
    show = q["show_answers"]
    if q["type"] == "ordering":
        rows = "".join(_review_ordering(i, show) for i in q["items"])
        return f'<ol class="review-list">{rows}</ol>'
    if q["type"] == "matching":
        rows = "".join(_review_matching(i, show) for i in q["items"])
        return f'<ul class="list-unstyled review-list">{rows}</ul>'
    rows = "".join(_review_choice(i, show) for i in q["items"])
    return f'<ul class="list-unstyled review-list">\n{rows}</ul>'


def review_body(q: dict) -> str:
    """A question after marking: the verdict and score, the learner's answer, and the key,
    option feedback and rationale only when ``q["show_answers"]``."""
    if q["is_correct"]:
        verdict, css = "Correct", "mark-ok"
    elif q["score"]:
        verdict, css = "Partly correct", "mark-bad"
    else:
        verdict, css = "Incorrect", "mark-bad"
    score = _score(q["score"])
    parts = [
        f'<p class="mb-2"><span class="mark {css}">{verdict}</span>\n'
        f'  <span class="small text-body-secondary">({score} of {_e(q["points"])} '
        f"point{pluralize(q['points'])})</span></p>",
    ]
    if not q["answered"]:
        parts.append('<p class="fst-italic">Not answered.</p>')
    parts.append(review_items(q))
    if q["type"] == "ordering":
        order = "the correct order" if q["show_answers"] else "the order you gave"
        parts.append(f'<p class="small mb-1">The list above is in {order}.</p>')
    if q["rationale_html"]:
        parts.append(
            '<div class="border-top pt-2 mt-2"><h4 class="h6">Rationale</h4>'
            f"{q['rationale_html']}</div>"
        )
    return "\n".join(parts) + "\n"


def _question_image(q: dict) -> str:
    return _image(q, "img-fluid mb-2 question-image")


def attempt_card(q: dict, total: int, practice: bool) -> str:
    """One question of the attempt page: a fieldset with its inputs, or, in practice once
    checked, its review."""
    pos = q["position"]
    error = q["error"]
    described = f"q{pos}-stem" + (f" q{pos}-error" if error else "")
    lines = [
        f'<fieldset class="card question-card mb-3{" border-danger" if error else ""}" '
        f'id="question-{pos}" data-position="{pos}" data-type="{q["type"]}" '
        f'aria-describedby="{described}">',
        '<div class="card-body">',
        f'<legend class="mb-2"><span class="fw-semibold">Question {pos} of {total}</span>\n'
        f'<span class="small text-body-secondary ms-1">({_e(q["points"])} '
        f"point{pluralize(q['points'])}) {_e(q['hint'])}</span></legend>",
        f'<div class="question-stem mb-2" id="q{pos}-stem">{q["stem_html"]}</div>',
    ]
    if q["image"]:
        lines.append(_question_image(q))
    if error:
        lines.append(f'<p class="text-danger fw-semibold" id="q{pos}-error">{_e(error)}</p>')
    if q["checked"]:
        lines.append(review_body(q["review"]))
    else:
        lines.append(f'<input type="hidden" name="seq{pos}" value="{_e(q["sequence"])}">')
        lines.append(answer_fields(q))
        if practice:
            lines.append(
                f'<button type="submit" name="check" value="{pos}" '
                f'class="btn btn-outline-primary btn-sm mt-2">Check answer {pos}</button>'
            )
    lines.append('<p class="save-state small mb-0" aria-live="polite"></p>\n</div>\n</fieldset>')
    return "\n".join(lines)


def review_card(q: dict) -> str:
    """One question of the result page: its stem and its review."""
    pos = q["position"]
    css = "review-correct" if q["is_correct"] else "review-wrong"
    critical = ' <span class="badge text-bg-danger">Patient-safety item</span>'
    lines = [
        f'<article id="review-{pos}" class="card mb-3 {css}">',
        '<div class="card-body">',
        f'<h3 class="h6">Question {pos}{critical if q["critical"] else ""}</h3>',
        f"<div>{q['stem_html']}</div>",
    ]
    if q["image"]:
        lines.append(_question_image(q))
    lines.append(review_body(q))
    lines.append("</div>\n</article>")
    return "\n".join(lines)


@register.simple_tag
def attempt_cards(questions: list, total: int, practice: bool) -> SafeString:
    """Every question of the attempt page (``public_question`` cards)."""
    return mark_safe("\n".join(attempt_card(q, total, practice) for q in questions))


@register.simple_tag
def review_cards(review: list) -> SafeString:
    """Every question of the result page (``review_question`` cards)."""
    return mark_safe("\n".join(review_card(q) for q in review))
