"""The options of a question card, built in Python: the inputs before submission, the
learner's answer (and the key, when allowed) after it.

A quiz page shows ten questions of about four options each. Through the template language
each option cost about 60 µs (seven variables, each looked up, localised and escaped): most
of the rendering of the attempt and result pages, which every learner opens for every
attempt. Built with ``format_html`` the same markup costs a few µs, and every value is still
escaped. The card around the options (legend, stem, mark, rationale) stays in the templates.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_IMAGE = '<img src="{}" alt="{}" class="img-fluid d-block choice-image">'

_CHOICE = (
    '<div class="form-check">\n'
    '<input class="form-check-input" type="{}" name="{}" id="{}" value="{}"{}>\n'
    '<label class="form-check-label" for="{}">{}{}</label>\n'
    "</div>\n"
)

_ORDERING = (
    '<div class="row g-2 align-items-center mb-2">\n'
    '<div class="col-auto">\n'
    '<select class="form-select place-select" name="{}" id="{}">\n'
    '<option value="">Place…</option>{}\n'
    "</select>\n"
    "</div>\n"
    '<label class="col form-label mb-0" for="{}">'
    '<span class="visually-hidden">Place of the step: </span>{}{}</label>\n'
    "</div>\n"
)

_MATCHING = (
    '<div class="row g-2 align-items-center mb-2">\n'
    '<label class="col-12 col-md-5 form-label mb-0" for="{}">{}{}</label>\n'
    '<div class="col-12 col-md-7">\n'
    '<select class="form-select" name="{}" id="{}">\n'
    '<option value="">Choose a match…</option>{}\n'
    "</select>\n"
    "</div>\n"
    "</div>\n"
)

_OPTION = '<option value="{}"{}>{}</option>'


def _html(text: str) -> SafeString:
    return mark_safe(text)  # rendered from Markdown and sanitised when the attempt started


def _image(item: dict) -> str:
    return format_html(_IMAGE, item["image"], item["image_alt"]) if item["image"] else ""


def _selected(flag: bool) -> str:
    return " selected" if flag else ""


def _options(pairs, chosen) -> SafeString:
    """``<option>``s for ``(value, text)`` pairs, ``chosen`` selected."""
    return format_html_join(
        "", _OPTION, ((value, _selected(value == chosen), text) for value, text in pairs)
    )


def _choice(q: dict, item: dict) -> tuple:
    checked = " checked" if item["selected"] else ""
    html, image = _html(item["html"]), _image(item)
    return (q["input_type"], q["name"], item["id"], item["key"], checked, item["id"], html, image)


def _ordering(q: dict, item: dict) -> tuple:
    places = _options(((place, place) for place in q["places"]), item["place"])
    return (item["id"], item["id"], places, item["id"], _html(item["html"]), _image(item))


def _matching(answers: list, item: dict) -> tuple:
    matches = _options(answers, item["chosen"])
    return (item["id"], _html(item["html"]), _image(item), item["id"], item["id"], matches)


@register.simple_tag
def answer_fields(q: dict) -> SafeString:
    """The inputs of question ``q``, a card from ``quizzes.selectors.public_question`` (keys
    and text, never the answers): radios or checkboxes, a place per step, a match per item."""
    qtype, items = q["type"], q["items"]
    if qtype in ("single", "true_false", "multiple"):
        return format_html_join("", _CHOICE, (_choice(q, item) for item in items))
    if qtype == "ordering":
        return format_html_join("", _ORDERING, (_ordering(q, item) for item in items))
    if qtype == "matching":
        # An answer's text without its markup: an <option> holds text only. The text is
        # already escaped by the sanitiser, so it is not escaped a second time.
        answers = [(a["key"], mark_safe(strip_tags(a["html"]))) for a in q["answers"]]
        return format_html_join("", _MATCHING, (_matching(answers, item) for item in items))
    return mark_safe("")


_REVIEW_CHOICE = '<li class="mb-1">{}{}{}{}{}</li>\n'
_REVIEW_ORDERING = '<li>{}{} <span class="small">— you placed it {}{}</span></li>'
_REVIEW_MATCHING = '<li class="mb-1">{}{} → <strong>{}</strong>{}</li>'
_YOUR_ANSWER = mark_safe('<span class="fw-semibold">Your answer:</span> ')
_RIGHT = mark_safe(' <span class="mark mark-ok">✓ correct answer</span>')
_WRONG = mark_safe(' <span class="mark mark-bad">✗</span>')


def _review_choice(item: dict, show: bool) -> tuple:
    mark = ""
    if show and item["correct"]:
        mark = _RIGHT
    elif show and item["selected"]:
        mark = _WRONG
    feedback = ""
    if show and item["selected"] and item["feedback_html"]:
        feedback = format_html('<div class="small ms-3">{}</div>', _html(item["feedback_html"]))
    chosen = _YOUR_ANSWER if item["selected"] else ""
    return (chosen, _html(item["html"]), _image(item), mark, feedback)


def _review_ordering(item: dict, show: bool) -> tuple:
    misplaced = ""
    if show and item["given_place"] != item["correct_place"]:
        misplaced = format_html(
            ' <span class="mark-bad">(✗ belongs at {})</span>', item["correct_place"]
        )
    return (_html(item["html"]), _image(item), item["given_place"] or "nowhere", misplaced)


def _review_matching(item: dict, show: bool) -> tuple:
    verdict = ""
    if show and item["correct"]:
        verdict = mark_safe(' <span class="mark mark-ok">✓ correct</span>')
    elif show:
        verdict = format_html(
            ' <span class="mark mark-bad">✗</span> correct match: {}',
            _html(item["correct_answer"]),
        )
    given = _html(item["given"]) if item["given"] else "no answer"
    return (_html(item["html"]), _image(item), given, verdict)


@register.simple_tag
def review_items(q: dict) -> SafeString:
    """The options of a marked question ``q``, a card from
    ``quizzes.selectors.review_question``: what the learner gave and, only when
    ``q["show_answers"]``, the key and the feedback on the option they chose."""
    show = q["show_answers"]
    if q["type"] == "ordering":
        rows = format_html_join(
            "", _REVIEW_ORDERING, (_review_ordering(i, show) for i in q["items"])
        )
        return format_html('<ol class="review-list">{}</ol>', rows)
    if q["type"] == "matching":
        rows = format_html_join(
            "", _REVIEW_MATCHING, (_review_matching(i, show) for i in q["items"])
        )
        return format_html('<ul class="list-unstyled review-list">{}</ul>', rows)
    rows = format_html_join("", _REVIEW_CHOICE, (_review_choice(i, show) for i in q["items"]))
    return format_html('<ul class="list-unstyled review-list">\n{}</ul>', rows)
