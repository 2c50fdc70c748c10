from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import import_views, services
from .importing import FORMAT_NAMES
from .models import (
    Attempt,
    AttemptQuestion,
    AttemptReset,
    Choice,
    DrawRule,
    Question,
    QuestionBank,
    QuestionVersion,
    Quiz,
    Tag,
)


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "question_count", "export_links"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_urls(self):
        # Import (with preview), the CSV template and export: quizzes/import_views.py.
        return import_views.admin_urls(self) + super().get_urls()

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("questions"))

    @admin.display(description="Questions", ordering="n")
    def question_count(self, obj):
        return obj.n

    @admin.display(description="Export")
    def export_links(self, obj):
        return format_html_join(
            " · ",
            '<a href="{}" aria-label="Export {} as {}">{}</a>',
            (
                (reverse("admin:quizzes_questionbank_export", args=[obj.pk, fmt]), obj, name, name)
                for fmt, name in FORMAT_NAMES.items()
            ),
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["value", "kind"]
    list_filter = ["kind"]
    search_fields = ["value"]


class ChoiceInlineFormSet(forms.BaseInlineFormSet):
    """Stops a question saved with options that do not fit its type (e.g. two keys)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        choices = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        qtype = self.instance.type
        for choice in choices:
            if choice.image and not choice.image_alt.strip():
                raise forms.ValidationError("Every option image needs alt text.")
        problems = services.validate_choices(qtype, choices)
        if problems:
            raise forms.ValidationError(problems)


class ChoiceInline(admin.TabularInline):
    """Options. Ordering: position is the correct place. Matching: text is the prompt and match
    text its answer; a row with only a match text is a distractor."""

    model = Choice
    formset = ChoiceInlineFormSet
    verbose_name_plural = (
        "options (ordering: position is the step's correct place; matching: text → match text, "
        "a row with only match text is a distractor)"
    )
    fields = [
        "position",
        "text",
        "match_text",
        "is_correct",
        "weight",
        "feedback",
        "image",
        "image_alt",
    ]

    def get_extra(self, request, obj=None, **kwargs):
        return 4 if obj is None else 0


class QuestionVersionInline(admin.TabularInline):
    """Every version the question has had, newest first: what attempts were given."""

    model = QuestionVersion
    extra = 0
    fields = ["version", "created_at", "created_by", "summary"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False
    verbose_name_plural = "versions (attempts keep the version they were given)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Content")
    def summary(self, obj):
        content = obj.content
        options = []
        for choice in content.get("choices", []):
            text = choice.get("text") or ""
            if choice.get("match_text"):
                text = f"{text} → {choice['match_text']}"
            options.append(f"{'✓ ' if choice.get('is_correct') else ''}{text}")
        return format_html(
            "<strong>{}</strong> ({} points{})<br>{}<br><small>{}</small>",
            content.get("stem", "")[:200],
            content.get("points", ""),
            ", critical" if content.get("critical") else "",
            format_html_join(mark_safe("<br>"), "{}", ((o,) for o in options)),
            content.get("rationale", "")[:200],
        )


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "bank",
            "key",
            "type",
            "title",
            "stem",
            "image",
            "image_alt",
            "points",
            "rationale",
            "difficulty",
            "critical",
            "tags",
            "active",
        ]

    def clean(self):
        data = super().clean()
        if data.get("image") and not (data.get("image_alt") or "").strip():
            self.add_error(
                "image_alt", "An image needs alt text for learners using a screen reader."
            )
        return data


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    list_display = [
        "key",
        "short_stem",
        "bank",
        "type",
        "difficulty",
        "critical",
        "active",
        "version",
    ]
    list_filter = ["bank", "type", "difficulty", "critical", "active", "tags__kind"]
    list_select_related = ["bank"]
    search_fields = ["key", "title", "stem", "tags__value"]
    autocomplete_fields = ["tags"]
    readonly_fields = ["version", "used_in", "created_at", "updated_at"]
    inlines = [ChoiceInline, QuestionVersionInline]
    actions = ["retire"]
    fieldsets = [
        (None, {"fields": ["bank", "key", "type", "title", "stem", "image", "image_alt"]}),
        ("Scoring and feedback", {"fields": ["points", "rationale", "difficulty", "critical"]}),
        (
            "Use",
            {
                "fields": ["tags", "active", "version", "used_in", "created_at", "updated_at"],
                "description": "A question used in an attempt cannot be deleted: untick "
                "Active to retire it. Editing it makes a new version; attempts already made "
                "keep theirs.",
            },
        ),
    ]

    @admin.display(description="Used in attempts")
    def used_in(self, obj):
        if obj is None or obj.pk is None:
            return 0
        return AttemptQuestion.objects.filter(question=obj).count()

    @admin.display(description="Stem")
    def short_stem(self, obj):
        return obj.stem[:80]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        question = Question.objects.prefetch_related("choices").get(pk=form.instance.pk)
        version = services.question_record_version(question=question, user=request.user)
        if version is not None and version.version > 1:
            messages.info(
                request,
                f"Saved as version {version.version}. Attempts already made keep the version "
                "they were given.",
            )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and services.question_is_used(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """The delete confirmation names each used question once, with what to do instead,
        rather than listing every attempt row that protects it."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        used = list(
            Question.objects.filter(pk__in=[o.pk for o in objs])
            .filter(pk__in=AttemptQuestion.objects.values("question_id"))
            .values_list("key", flat=True)
        )
        if used:
            protected = [
                f"{key}: used in attempts, so it can only be retired (untick Active)"
                for key in used
            ]
            if super().has_delete_permission(request):
                perms_needed = {p for p in perms_needed if p != Question._meta.verbose_name}
        return deleted, counts, perms_needed, protected

    def delete_queryset(self, request, queryset):
        used = queryset.filter(pk__in=AttemptQuestion.objects.values("question_id"))
        if used.exists():
            messages.error(
                request,
                f"{used.count()} question(s) were used in attempts and can only be retired.",
            )
            queryset = queryset.exclude(pk__in=used.values("pk"))
        super().delete_queryset(request, queryset)

    @admin.action(description="Retire the selected questions (never drawn again)")
    def retire(self, request, queryset):
        count = queryset.update(active=False)
        messages.success(request, f"Retired {count} question(s).")


class DrawRuleInlineFormSet(forms.BaseInlineFormSet):
    """Refuses rules that could not always draw the number of questions they ask for."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        forms_kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("bank")
        ]
        forms_kept.sort(key=lambda form: form.cleaned_data.get("position") or 0)
        problems = services.draw_rule_problems([form.instance for form in forms_kept])
        if problems:
            raise forms.ValidationError(problems)


class DrawRuleInline(admin.TabularInline):
    model = DrawRule
    formset = DrawRuleInlineFormSet
    extra = 1
    fields = ["position", "bank", "tag", "critical", "count"]
    autocomplete_fields = ["bank", "tag"]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "pass_mark",
        "time_limit_minutes",
        "attempt_limit",
        "require_critical",
    ]
    search_fields = ["title", "slug"]
    list_filter = ["require_critical", "feedback"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [DrawRuleInline]
    readonly_fields = ["draw_check"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "draw_check"]}),
        (
            "Passing",
            {"fields": ["pass_mark", "require_critical", "multiple_scoring", "sequence_scoring"]},
        ),
        (
            "Attempt policy",
            {
                "fields": [
                    "attempt_limit",
                    "cooldown_minutes",
                    "time_limit_minutes",
                    "opens_at",
                    "closes_at",
                    "feedback",
                ]
            },
        ),
        ("Order", {"fields": ["shuffle_questions", "shuffle_choices"]}),
    ]

    @admin.display(description="Questions per attempt")
    def draw_check(self, obj):
        if obj is None or obj.pk is None:
            return "Add draw rules below: each draws N questions from a bank, optionally by tag."
        rules = list(obj.draw_rules.select_related("bank", "tag"))
        problems = services.draw_rule_problems(rules)
        if problems:
            return format_html_join(mark_safe("<br>"), "⚠ {}", ((p,) for p in problems))
        sizes = services.draw_rule_sizes(rules)
        critical = sum(
            n for n, r in zip(sizes, rules, strict=True) if r.critical == DrawRule.Critical.ONLY
        )
        return f"{sum(sizes)} question(s) per attempt, {critical} from critical-only rules."


class AttemptQuestionInline(admin.TabularInline):
    model = AttemptQuestion
    extra = 0
    fields = ["position", "question", "question_version", "response", "score", "is_correct"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Attempts are evidence: visible, never edited here."""

    list_display = [
        "id",
        "user",
        "quiz",
        "mode",
        "state",
        "percent",
        "passed",
        "started_at",
        "submitted_at",
    ]
    list_filter = ["state", "mode", "passed", "quiz"]
    list_select_related = ["user", "quiz"]
    search_fields = ["user__username", "user__last_name", "quiz__title"]
    inlines = [AttemptQuestionInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Attempt._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AttemptReset)
class AttemptResetAdmin(admin.ModelAdmin):
    """Educators give a learner a fresh set of attempts (after remediation, say)."""

    list_display = ["user", "quiz", "reset_at", "reason", "created_by"]
    list_select_related = ["user", "quiz", "created_by"]
    search_fields = ["user__username", "user__last_name", "quiz__title", "reason"]
    autocomplete_fields = ["user", "quiz"]
    fields = ["user", "quiz", "reason"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.reset_at = timezone.now()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
