"""factory-boy factories: tests build their own data, through the app's own services."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from quizzes.models import Choice, DrawRule, Question, QuestionBank, Quiz, Tag
from quizzes.services import question_record_version
from training.models import Course, Enrolment, Lesson
from training.roles import ADMINISTRATORS, EDUCATORS, roles_ensure

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"nurse{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@hospital.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            roles_ensure()
            self.groups.add(Group.objects.get(name=extracted))
            self.is_staff = True
        self.save()


def educator(**kwargs):
    return UserFactory(role=EDUCATORS, **kwargs)


def administrator(**kwargs):
    return UserFactory(role=ADMINISTRATORS, **kwargs)


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionBank

    slug = factory.Sequence(lambda n: f"bank-{n}")
    name = factory.Sequence(lambda n: f"MISS bank {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["kind", "value"]

    kind = Tag.Kind.TOPIC
    value = factory.Sequence(lambda n: f"topic-{n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    """A single-best-answer question with one key and three distractors (override `choices`)."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    bank = factory.SubFactory(BankFactory)
    key = factory.Sequence(lambda n: f"q-{n:04d}")
    type = Question.Type.SINGLE
    stem = factory.Sequence(lambda n: f"Question {n}: which instrument docks on the lamina?")
    rationale = "The tubular retractor is docked on the lamina over the last dilator."

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        if not create:
            return
        specs = extracted
        if specs is None:
            if self.type == Question.Type.TRUE_FALSE:
                specs = [("True", True), ("False", False)]
            elif self.type == Question.Type.MULTIPLE:
                specs = [
                    ("Lead apron", True),
                    ("Thyroid shield", True),
                    ("Sunglasses", False),
                    ("Paper mask", False),
                ]
            elif self.type == Question.Type.ORDERING:
                specs = [
                    ("Guide wire", True),
                    ("First dilator", True),
                    ("Larger dilators", True),
                    ("Tubular retractor", True),
                ]
            elif self.type == Question.Type.MATCHING:
                specs = [
                    ("Time", "Keep fluoroscopy short"),
                    ("Distance", "Step back from the beam"),
                    ("Shielding", "Wear lead"),
                    ("", "Stand at the tube side"),
                ]
            else:
                specs = [
                    ("Tubular retractor", True),
                    ("Scalpel", False),
                    ("Kerrison rongeur", False),
                    ("Suction", False),
                ]
        for position, spec in enumerate(specs):
            if self.type == Question.Type.MATCHING:
                Choice.objects.create(
                    question=self, position=position, text=spec[0], match_text=spec[1]
                )
            else:
                Choice.objects.create(
                    question=self, position=position, text=spec[0], is_correct=spec[1]
                )
        question_record_version(
            question=Question.objects.prefetch_related("choices").get(pk=self.pk)
        )
        self.refresh_from_db()

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        """`QuestionFactory(tags=[tag])` tags the question (draw rules filter on tags)."""
        if create and extracted:
            self.tags.set(extracted)


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"quiz-{n}")
    title = factory.Sequence(lambda n: f"Knowledge check {n}")
    pass_mark = 80

    @factory.post_generation
    def bank(self, create, extracted, **kwargs):
        """`QuizFactory(bank=bank, draw=5)` adds a rule drawing 5 from the bank."""
        if create and extracted is not None:
            DrawRule.objects.create(quiz=self, bank=extracted, count=kwargs.get("count"))


def quiz_with_questions(n: int = 5, **quiz_kwargs) -> Quiz:
    bank = BankFactory()
    for _ in range(n):
        QuestionFactory(bank=bank)
    quiz = QuizFactory(**quiz_kwargs)
    DrawRule.objects.create(quiz=quiz, bank=bank, count=n)
    return quiz


EVERY_TYPE = ["single", "multiple", "true_false", "ordering", "matching"]


def quiz_with_every_type(**quiz_kwargs) -> Quiz:
    """One question of each type, in this order: single, multiple, true/false, ordering,
    matching (questions are not shuffled unless the caller asks)."""
    bank = BankFactory()
    for index, qtype in enumerate(EVERY_TYPE, start=1):
        QuestionFactory(bank=bank, type=qtype, key=f"{index}-{qtype}")
    quiz_kwargs.setdefault("shuffle_questions", False)
    quiz = QuizFactory(**quiz_kwargs)
    DrawRule.objects.create(quiz=quiz, bank=bank)
    return quiz


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"MISS course {n}")
    track = Course.Track.ONBOARDING
    content_hash = factory.Sequence(lambda n: f"{n:064x}")


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Lesson {n}: tubular retractors")
    body = "## Tubular access\n\nSequential dilators **split** the muscle.\n"
    objectives = ["Describe sequential dilation."]
    key_points = ["Dilators split rather than strip muscle."]
    estimated_minutes = 20


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
