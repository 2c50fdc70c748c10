"""Builds the large, realistic data set that bench/ measures.

Default: 10,000 learners in 200 cohorts, 2 courses of 7 lessons (each lesson with a 10-question
knowledge check, each course with a 10-question final), 400 questions in 14 banks, and 150,000
submitted graded attempts with their responses. Every row is written with bulk_create in batches,
never through the per-row services, so the default set takes minutes, not hours.

Learners answer as a two-parameter item response model predicts (ability, item difficulty and
discrimination), with a few deliberately flawed items (too easy, too hard, non-discriminating,
a distractor nobody picks, a distractor strong learners prefer) so item analysis has something
to find. Run it against an empty database: ``SQLITE_PATH=/tmp/scale.sqlite3 manage.py migrate``
then ``manage.py seed_scale``, or the same with DATABASE_URL.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from quizzes.grading import picked_mask
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    Choice,
    DrawRule,
    Question,
    QuestionBank,
    Quiz,
    Tag,
)
from quizzes.services import question_snapshot, quiz_settings
from training.models import (
    Assignment,
    Cohort,
    CohortMembership,
    Completion,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
)
from training.roles import ADMINISTRATORS, EDUCATORS, roles_ensure
from training.services import add_months, certificate_code_new

PREFIX = "scale"
KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MEMBER_ROLES = ["scrub_nurse", "circulator", "surgical_tech", "radiology_tech", "ward_nurse"]

COURSES = [
    {
        "slug": f"{PREFIX}-or-onboarding",
        "title": "Scale: MISS for OR staff onboarding",
        "track": Course.Track.ONBOARDING,
        "recertification_months": 24,
        "lessons": [
            "What MISS is",
            "Anaesthesia and positioning",
            "Small incisions and tubular access",
            "Imaging and radiation safety",
            "Microscope and endoscope",
            "MISS procedures in the OR",
            "Risks and prevention in the OR",
        ],
    },
    {
        "slug": f"{PREFIX}-periop-ce",
        "title": "Scale: MISS perioperative nursing CE",
        "track": Course.Track.CE,
        "recertification_months": None,
        "lessons": [
            "Patient selection and teaching",
            "What the procedures involve",
            "Post-operative monitoring",
            "Early mobilisation",
            "Discharge teaching",
            "Recognising complications",
            "Benefits and their limits",
        ],
    },
]
TAGS = {
    "procedure": ["microdiscectomy", "laminectomy", "fusion", "kyphoplasty", "general"],
    "phase": ["preoperative", "intraoperative", "postoperative"],
    "risk": ["radiation", "infection", "nerve-injury", "positioning-injury", "bleeding", "none"],
    "role": ["all", "scrub-nurse", "circulator", "surgical-tech", "radiology-tech", "ward-nurse"],
}
SCENARIOS = [
    "During the time-out before a tubular microdiscectomy",
    "While the C-arm is brought in for a lateral view",
    "As the patient is turned prone onto the Jackson frame",
    "On the ward, four hours after a minimally invasive fusion",
    "While the scrub nurse prepares the sequential dilators",
    "When the surgeon asks for the endoscope light source",
    "At discharge teaching after a one-level laminectomy",
]
ACTIONS = [
    "which action comes first",
    "what should the nurse check",
    "which finding must be escalated at once",
    "which statement is accurate",
    "what protects the team best",
]
OPTIONS = [
    "Confirm the level on the lateral image with the surgeon",
    "Step back at least two metres during fluoroscopy",
    "Check the pressure points at the face, chest and knees",
    "Report new leg weakness to the surgeon straight away",
    "Count the dilators before and after their use",
    "Wear a lead apron and a thyroid shield",
    "Keep the patient flat for six hours without exception",
    "Give the next dose of analgesia without assessing",
    "Remove the thyroid shield to improve comfort",
    "Ask the patient to bend and lift to test the wound",
]


@dataclass
class Item:
    """A question as the simulation sees it: IRT parameters and its snapshot template."""

    pk: int
    qtype: str
    points: Decimal
    critical: bool
    difficulty: float
    discrimination: float
    template: dict
    # Relative chance of each wrong option (by position) being picked when the answer is wrong.
    distractor_weights: list[float] = field(default_factory=list)


@dataclass
class Counts:
    attempts: int = 0
    responses: int = 0
    completions: int = 0
    started: float = field(default_factory=time.monotonic)


class Command(BaseCommand):
    help = "Builds the large benchmark data set that bench/ measures (see bench/README.md)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=10_000)
        parser.add_argument("--cohorts", type=int, default=200)
        parser.add_argument("--questions", type=int, default=400)
        parser.add_argument("--attempts", type=int, default=150_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch-size", type=int, default=2_000)
        parser.add_argument(
            "--password",
            default="",
            help="Password of every scale account (default: DEMO_PASSWORD).",
        )

    def handle(self, *args, **options):
        learners = options["learners"]
        if learners < 1 or options["questions"] < 14 or options["attempts"] < 0:
            raise CommandError("Give at least 1 learner and 14 questions (one bank per lesson).")
        User = get_user_model()
        if User.objects.filter(username__startswith=f"{PREFIX}-learner-").exists():
            raise CommandError(
                "The scale data set is already in this database: seed an empty one "
                "(SQLITE_PATH=... or DATABASE_URL=..., then migrate)."
            )
        self.rng = random.Random(options["seed"])
        self.batch_size = options["batch_size"]
        self.now = timezone.now()
        self.counts = Counts()
        password = make_password(options["password"] or settings.DEMO_PASSWORD)

        roles_ensure()
        with transaction.atomic():
            self._staff(User, password)
            courses = self._curriculum(options["questions"])
        users = self._learners(User, password, learners)
        self._say(f"{len(users)} learners")
        plans = self._enrolments(users, courses, options["cohorts"])
        self._say("enrolments")
        self._attempts(plans, courses, options["attempts"])
        self._say(
            f"{self.counts.attempts} attempts, {self.counts.responses} responses, "
            f"{self.counts.completions} completions"
        )
        # Fresh planner statistics: a bulk load leaves them empty until autovacuum runs, and
        # PostgreSQL then picks plans for ten rows where there are a million.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self._say("statistics analysed")

    # --- Output -------------------------------------------------------------------------------

    def _say(self, what: str) -> None:
        elapsed = time.monotonic() - self.counts.started
        self.stdout.write(f"[{elapsed:7.1f} s] {what}")

    # --- People -------------------------------------------------------------------------------

    def _staff(self, User, password: str) -> None:
        for username, group in (
            (f"{PREFIX}-admin", ADMINISTRATORS),
            (f"{PREFIX}-educator", EDUCATORS),
        ):
            user = User.objects.create(
                username=username,
                first_name="Scale",
                last_name=group[:-1],
                email=f"{username}@hospital.example",
                password=password,
                is_staff=True,
            )
            user.groups.add(Group.objects.get(name=group))

    def _learners(self, User, password: str, n: int) -> list:
        first = ["Amara", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jon"]
        last = ["Okafor", "Smith", "Novak", "Patel", "Garcia", "Kim", "Lund", "Moreau", "Ng", "Oz"]
        rows = [
            User(
                username=f"{PREFIX}-learner-{i:05d}",
                first_name=first[i % len(first)],
                last_name=f"{last[(i // len(first)) % len(last)]}-{i}",
                email=f"{PREFIX}-learner-{i:05d}@hospital.example",
                password=password,
                date_joined=self.now - timedelta(days=self.rng.randint(30, 720)),
            )
            for i in range(1, n + 1)
        ]
        for start in range(0, len(rows), self.batch_size):
            with transaction.atomic():
                User.objects.bulk_create(rows[start : start + self.batch_size])
        return list(
            User.objects.filter(username__startswith=f"{PREFIX}-learner-")
            .order_by("username")
            .only("id", "first_name", "last_name", "date_joined")
        )

    # --- Curriculum ---------------------------------------------------------------------------

    def _curriculum(self, n_questions: int) -> list[dict]:
        tags = {
            (kind, value): Tag.objects.get_or_create(kind=kind, value=value)[0]
            for kind, values in TAGS.items()
            for value in values
        }
        banks_total = sum(len(c["lessons"]) for c in COURSES)
        per_bank = [n_questions // banks_total] * banks_total
        for i in range(n_questions % banks_total):
            per_bank[i] += 1
        built = []
        bank_index = 0
        for c_index, spec in enumerate(COURSES):
            course = Course.objects.create(
                slug=spec["slug"],
                title=spec["title"],
                track=spec["track"],
                position=100 + c_index,
                recertification_months=spec["recertification_months"],
                content_hash=f"{PREFIX}-{c_index}".ljust(64, "0"),
            )
            lessons, banks = [], []
            for l_index, title in enumerate(spec["lessons"], start=1):
                bank = QuestionBank.objects.create(
                    slug=f"{PREFIX}-{c_index}-{l_index}", name=f"{spec['title']}: {title}"
                )
                items = self._questions(bank, per_bank[bank_index], tags)
                bank_index += 1
                quiz = Quiz.objects.create(
                    slug=f"{PREFIX}-{c_index}-check-{l_index}",
                    title=f"Knowledge check: {title}",
                    pass_mark=60,
                )
                DrawRule.objects.create(quiz=quiz, bank=bank, count=min(10, len(items)))
                lesson = Lesson.objects.create(
                    course=course,
                    slug=f"lesson-{l_index}",
                    position=l_index,
                    title=title,
                    body=f"## {title}\n\nScale lesson body.\n",
                    estimated_minutes=20,
                    quiz=quiz,
                    quiz_required=True,
                )
                lessons.append({"lesson": lesson, "quiz": quiz, "items": items})
                banks.append((bank, items))
            final = Quiz.objects.create(
                slug=f"{PREFIX}-{c_index}-final",
                title=f"Final assessment: {spec['title']}",
                pass_mark=70,
                attempt_limit=3,
                require_critical=True,
                time_limit_minutes=45,
            )
            for position, (bank, _) in enumerate(banks):
                DrawRule.objects.create(
                    quiz=final, bank=bank, position=position, count=2 if position < 3 else 1
                )
            course.final_quiz = final
            course.save(update_fields=["final_quiz"])
            final_pool = [item for _, items in banks for item in items]
            built.append(
                {
                    "course": course,
                    "lessons": lessons,
                    "final": final,
                    "final_counts": [2 if p < 3 else 1 for p in range(len(banks))],
                    "bank_items": [items for _, items in banks],
                    "final_pool": final_pool,
                }
            )
        return built

    def _questions(self, bank: QuestionBank, n: int, tags: dict) -> list[Item]:
        rng = self.rng
        kinds = ["single"] * 14 + ["true_false"] * 2 + ["multiple"] * 2 + ["ordering", "matching"]
        questions = []
        for i in range(1, n + 1):
            qtype = rng.choice(kinds)
            scenario, action = rng.choice(SCENARIOS), rng.choice(ACTIONS)
            questions.append(
                Question(
                    bank=bank,
                    key=f"{bank.slug}-{i:03d}",
                    type=qtype,
                    stem=f"{scenario}, {action}? (item {i} of {bank.name})",
                    rationale=(
                        "The team confirms the level, protects itself from scatter radiation "
                        "and escalates a new neurological deficit at once; see the lesson."
                    ),
                    points=Decimal(2 if qtype == "multiple" else 1),
                    critical=i % 9 == 0,
                    difficulty=rng.choice(Question.Difficulty.values),
                )
            )
        Question.objects.bulk_create(questions)
        questions = list(Question.objects.filter(bank=bank).order_by("key"))
        choices, links = [], []
        for question in questions:
            choices.extend(self._choices(question))
            for kind, values in TAGS.items():
                for value in rng.sample(values, 2 if kind == "risk" else 1):
                    links.append(
                        Question.tags.through(question_id=question.pk, tag_id=tags[kind, value].pk)
                    )
        Choice.objects.bulk_create(choices)
        Question.tags.through.objects.bulk_create(links)
        items = []
        flaw_rng = random.Random(bank.pk)
        for index, question in enumerate(
            Question.objects.filter(bank=bank).prefetch_related("choices").order_by("key")
        ):
            template = question_snapshot(question, shuffle=False, rng=flaw_rng)
            n_items = len(template["items"])
            difficulty = rng.gauss(-1.6, 0.8)
            discrimination = rng.uniform(1.0, 2.5)
            weights = [rng.uniform(0.5, 3.0) for _ in range(n_items)]
            flaw = index % 30
            if flaw == 1:
                difficulty = -4.5  # nearly everyone gets it right
            elif flaw == 2:
                difficulty = 2.5  # nearly everyone gets it wrong
            elif flaw == 3:
                discrimination = 0.05  # guessing: strong and weak learners alike
            elif flaw == 4 and n_items > 2:
                weights[-1] = 0.0  # a distractor nobody picks
            elif flaw == 5:
                discrimination = -0.9  # strong learners prefer a distractor
            items.append(
                Item(
                    pk=question.pk,
                    qtype=question.type,
                    points=Decimal(template["points"]),
                    critical=question.critical,
                    difficulty=difficulty,
                    discrimination=discrimination,
                    template=template,
                    distractor_weights=weights,
                )
            )
        return items

    def _choices(self, question: Question) -> list[Choice]:
        rng = self.rng
        if question.type == "true_false":
            key = rng.random() < 0.5
            specs = [("True", key, ""), ("False", not key, "")]
        elif question.type == "multiple":
            texts = rng.sample(OPTIONS, 5)
            specs = [(t, i < 2, "" if i < 2 else "Not on its own.") for i, t in enumerate(texts)]
        elif question.type == "ordering":
            specs = [
                ("Guide wire under fluoroscopy", True, ""),
                ("First dilator", True, ""),
                ("Larger dilators in sequence", True, ""),
                ("Tubular retractor docked", True, ""),
            ]
        elif question.type == "matching":
            pairs = [
                ("Time", "Keep fluoroscopy short"),
                ("Distance", "Step back from the beam"),
                ("Shielding", "Wear lead"),
                ("", "Stand at the tube side"),
            ]
            return [
                Choice(question=question, position=p, text=t, match_text=m)
                for p, (t, m) in enumerate(pairs)
            ]
        else:
            texts = rng.sample(OPTIONS, 4)
            specs = [
                (t, i == 0, "" if i == 0 else "This is not the safest first step.")
                for i, t in enumerate(texts)
            ]
        rng.shuffle(specs)
        return [
            Choice(question=question, position=p, text=t, is_correct=c, feedback=f)
            for p, (t, c, f) in enumerate(specs)
        ]

    # --- Cohorts and enrolments -----------------------------------------------------------------

    def _enrolments(self, users: list, courses: list[dict], n_cohorts: int) -> list[dict]:
        """Cohorts (a role per member) with assignments, the enrolments they make, and how far
        each learner got: most finish, some stop part-way, some never start."""
        rng = self.rng
        educator = get_user_model().objects.get(username=f"{PREFIX}-educator")
        Cohort.objects.bulk_create(
            Cohort(name=f"Scale cohort {i:03d}", description="A unit or an onboarding class.")
            for i in range(1, max(1, n_cohorts) + 1)
        )
        cohorts = list(Cohort.objects.filter(name__startswith="Scale cohort ").order_by("name"))
        Cohort.educators.through.objects.bulk_create(
            Cohort.educators.through(cohort_id=c.pk, user_id=educator.pk) for c in cohorts
        )
        assignments: dict[int, list[Assignment]] = {}
        rows = []
        for index, cohort in enumerate(cohorts):
            wanted = [[0], [1], [0, 1]][index % 3]
            for c_index in wanted:
                rows.append(
                    Assignment(
                        course=courses[c_index]["course"],
                        cohort=cohort,
                        due_days=rng.choice([30, 60, 90]),
                        assigned_by=educator,
                        created_at=self.now - timedelta(days=800),
                    )
                )
        Assignment.objects.bulk_create(rows)
        course_index = {c["course"].pk: i for i, c in enumerate(courses)}
        for assignment in Assignment.objects.filter(cohort__in=cohorts):
            assignments.setdefault(assignment.cohort_id, []).append(assignment)

        memberships, enrolments, plans = [], [], []
        for index, user in enumerate(users):
            cohort = cohorts[index % len(cohorts)]
            joined = user.date_joined
            memberships.append(
                CohortMembership(
                    cohort=cohort, user_id=user.pk, role=rng.choice(MEMBER_ROLES), joined_at=joined
                )
            )
            theta = rng.gauss(0, 1)
            for assignment in assignments.get(cohort.pk, []):
                due_at = assignment.due_at_for(joined)
                enrolments.append(
                    Enrolment(
                        user_id=user.pk,
                        course_id=assignment.course_id,
                        due_at=due_at,
                        assignment=assignment,
                    )
                )
                plans.append(
                    {
                        "user_id": user.pk,
                        "name": f"{user.first_name} {user.last_name}",
                        "course": course_index[assignment.course_id],
                        "theta": theta,
                        "start": joined + timedelta(days=rng.randint(0, 10)),
                        "due_at": due_at,
                        "reach": rng.choices([0, 2, 4, 7, 8], weights=[6, 6, 8, 10, 70])[0],
                    }
                )
        for model, objs in ((CohortMembership, memberships), (Enrolment, enrolments)):
            for start in range(0, len(objs), self.batch_size):
                with transaction.atomic():
                    model.objects.bulk_create(objs[start : start + self.batch_size])
        return plans

    # --- Attempts -------------------------------------------------------------------------------

    def _attempts(self, plans: list[dict], courses: list[dict], budget: int) -> None:
        """Walks each learner through their course's quizzes, retaking until they pass.

        The budget is shared among the learners who started; what a learner has left after
        their walk goes on knowledge-check retakes (unlimited), so the total is exact.
        """
        rng = self.rng
        active = [plan for plan in plans if plan["reach"]]
        share = budget / max(1, len(active))
        pending: dict[str, list] = {"attempts": [], "questions": [], "progress": [], "done": []}
        for p_index, plan in enumerate(active):
            course = courses[plan["course"]]
            allowance = round(share * (p_index + 1)) - round(share * p_index)
            clock = plan["start"]
            numbers: dict[int, int] = {}
            steps = [*course["lessons"], None][: plan["reach"]]
            reached = []
            passed_every_step = len(steps) == len(course["lessons"]) + 1
            final_attempt = None
            for entry in steps:
                if sum(numbers.values()) >= allowance:
                    passed_every_step = False
                    break
                if entry is not None:
                    reached.append(entry)
                    pending["progress"].append(
                        LessonProgress(
                            user_id=plan["user_id"], lesson=entry["lesson"], completed_at=clock
                        )
                    )
                quiz = entry["quiz"] if entry is not None else course["final"]
                passed = False
                while numbers.get(quiz.pk, 0) < 3:
                    if sum(numbers.values()) >= allowance:
                        break
                    numbers[quiz.pk] = numbers.get(quiz.pk, 0) + 1
                    clock += timedelta(hours=rng.uniform(2, 72))
                    attempt = self._attempt(
                        plan, course, entry, quiz, numbers[quiz.pk], clock, pending
                    )
                    clock = attempt.submitted_at
                    if attempt.passed:
                        passed, final_attempt = True, attempt
                        break
                passed_every_step = passed_every_step and passed
            while reached and sum(numbers.values()) < allowance:
                entry = rng.choice(reached)
                numbers[entry["quiz"].pk] = numbers.get(entry["quiz"].pk, 0) + 1
                clock += timedelta(hours=rng.uniform(2, 240))
                self._attempt(
                    plan, course, entry, entry["quiz"], numbers[entry["quiz"].pk], clock, pending
                )
            if passed_every_step and final_attempt is not None:
                pending["done"].append(self._completion(plan, course, final_attempt))
            if len(pending["questions"]) >= self.batch_size * 10:
                self._flush(pending)
        self._flush(pending)

    def _attempt(self, plan, course, entry, quiz, number, clock, pending) -> Attempt:
        rng = self.rng
        if entry is not None:
            drawn = rng.sample(entry["items"], min(10, len(entry["items"])))
        else:
            drawn = [
                item
                for items, count in zip(course["bank_items"], course["final_counts"], strict=True)
                for item in rng.sample(items, min(count, len(items)))
            ]
        rng.shuffle(drawn)
        theta = plan["theta"] + 0.35 * (number - 1)
        started = clock
        submitted = started + timedelta(minutes=rng.uniform(4, 30))
        attempt = Attempt(
            user_id=plan["user_id"],
            quiz=quiz,
            number=number,
            state=Attempt.State.EXPIRED if rng.random() < 0.01 else Attempt.State.SUBMITTED,
            started_at=started,
            deadline=started + timedelta(minutes=45) if entry is None else None,
            submitted_at=submitted,
            pass_mark=quiz.pass_mark,
            settings_snapshot=quiz_settings(quiz),
        )
        rows, score, max_score, missed = [], Decimal(0), Decimal(0), []
        for position, item in enumerate(drawn, start=1):
            snapshot, response, correct = self._response(item, theta)
            points = item.points if correct else Decimal(0)
            score += points
            max_score += item.points
            if item.critical and not correct:
                missed.append(position)
            rows.append(
                AttemptQuestion(
                    attempt=attempt,
                    position=position,
                    question_id=item.pk,
                    question_version=1,
                    snapshot=snapshot,
                    response=response,
                    sequence=1 if response else 0,
                    answered_at=submitted if response else None,
                    score=points,
                    is_correct=correct,
                    picked=picked_mask(snapshot, response),
                )
            )
        attempt.score = score
        attempt.max_score = max_score
        attempt.percent = (score * 100 / max_score).quantize(Decimal("0.01"))
        attempt.critical_missed = missed
        attempt.passed = attempt.percent >= quiz.pass_mark and not (
            quiz.require_critical and missed
        )
        self.counts.attempts += 1
        self.counts.responses += len(rows)
        pending["attempts"].append(attempt)
        pending["questions"].extend(rows)
        return attempt

    def _key(self) -> str:
        bits = self.rng.getrandbits(48)
        return "".join(KEY_ALPHABET[(bits >> (6 * i)) & 63] for i in range(8))

    def _response(self, item: Item, theta: float) -> tuple[dict, dict | None, bool]:
        """A snapshot with fresh per-attempt keys and shuffled options, and the answer given."""
        rng = self.rng
        template = item.template
        items = [dict(entry, key=self._key()) for entry in template["items"]]
        snapshot = dict(template, items=items)
        exponent = -item.discrimination * (theta - item.difficulty)
        p_correct = 1 / (1 + math.exp(min(50.0, max(-50.0, exponent))))
        correct = rng.random() < p_correct
        if rng.random() < 0.01:
            if item.qtype in ("single", "true_false", "multiple"):
                rng.shuffle(items)
            return snapshot, None, False
        if item.qtype == "matching":
            answers = [dict(a, key=self._key()) for a in template["answers"]]
            by_label = {a["html"]: a["key"] for a in answers}
            old_labels = {a["key"]: a["html"] for a in template["answers"]}
            for entry in items:
                entry["answer"] = by_label[old_labels[entry["answer"]]]
            snapshot["answers"] = answers
            matches = {entry["key"]: entry["answer"] for entry in items}
            if not correct:
                first, second = items[0]["key"], items[1]["key"]
                matches[first], matches[second] = matches[second], matches[first]
            return snapshot, {"matches": matches}, correct
        if item.qtype == "ordering":
            ordered = sorted(items, key=lambda entry: entry["position"])
            order = [entry["key"] for entry in ordered]
            if not correct:
                i = rng.randrange(len(order) - 1)
                order[i], order[i + 1] = order[i + 1], order[i]
            while [entry["position"] for entry in items] == sorted(e["position"] for e in items):
                rng.shuffle(items)
            return snapshot, {"order": order}, correct
        if item.qtype != "true_false":
            rng.shuffle(items)
        keys = [entry for entry in items if entry["correct"]]
        wrong = [entry for entry in items if not entry["correct"]]
        weights = [item.distractor_weights[entry["position"]] for entry in wrong]
        if not correct and wrong and sum(weights) > 0:
            # Strong learners who miss a negatively discriminating item all fall for the same one.
            if item.discrimination < 0:
                pick = max(wrong, key=lambda entry: item.distractor_weights[entry["position"]])
            else:
                pick = rng.choices(wrong, weights=weights)[0]
        else:
            correct = True
            pick = None
        if item.qtype == "multiple":
            chosen = [entry["key"] for entry in keys]
            if pick is not None:
                chosen = [chosen[0], pick["key"]]
            return snapshot, {"choices": sorted(chosen)}, correct
        chosen_key = keys[0]["key"] if pick is None else pick["key"]
        return snapshot, {"choice": chosen_key}, correct

    def _completion(self, plan, course, final_attempt: Attempt) -> Completion:
        course_obj = course["course"]
        completed_at = final_attempt.submitted_at
        expires_at = (
            add_months(completed_at, course_obj.recertification_months)
            if course_obj.recertification_months
            else None
        )
        minutes = 20 * len(course["lessons"])
        self.counts.completions += 1
        return Completion(
            user_id=plan["user_id"],
            learner_name=plan["name"],
            due_at=plan["due_at"],
            course=course_obj,
            course_title=course_obj.title,
            course_version=course_obj.content_hash,
            final_score=final_attempt.percent,
            pass_mark=final_attempt.pass_mark,
            attempt_ids=[str(final_attempt.pk)],
            contact_hours=(
                Course.contact_hours_for(minutes) if course_obj.earns_contact_hours else None
            ),
            completed_at=completed_at,
            expires_at=expires_at,
            certificate_code=certificate_code_new(),
        )

    def _flush(self, pending: dict[str, list]) -> None:
        with transaction.atomic():
            Attempt.objects.bulk_create(pending["attempts"], batch_size=self.batch_size)
            AttemptQuestion.objects.bulk_create(pending["questions"], batch_size=self.batch_size)
            LessonProgress.objects.bulk_create(
                pending["progress"], batch_size=self.batch_size, ignore_conflicts=True
            )
            Completion.objects.bulk_create(pending["done"], batch_size=self.batch_size)
        for rows in pending.values():
            rows.clear()
        reset_queries()  # under DEBUG, Django would keep every bulk INSERT's text
        self._say(f"{self.counts.attempts} attempts")
