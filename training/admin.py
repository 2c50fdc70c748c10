from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from . import services
from .models import (
    Assignment,
    Cohort,
    CohortMembership,
    Completion,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    ReminderLog,
)


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ["position", "title", "slug", "estimated_minutes", "quiz", "required", "quiz_required"]
    autocomplete_fields = ["quiz"]
    show_change_link = True


class RecordAdmin(admin.ModelAdmin):
    """Records that are evidence: shown in the admin, never added, edited or deleted there."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "track", "published", "recertification_months", "final_quiz"]
    list_filter = ["track", "published"]
    list_select_related = ["final_quiz"]
    search_fields = ["title", "slug"]
    autocomplete_fields = ["final_quiz"]
    readonly_fields = ["content_hash", "updated_at"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "course",
        "position",
        "estimated_minutes",
        "quiz",
        "reviewed_by",
        "reviewed_on",
    ]
    list_filter = ["course", "required"]
    list_select_related = ["course", "quiz"]
    search_fields = ["title", "slug", "body"]
    autocomplete_fields = ["quiz"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "enrolled_at", "due_at", "assignment", "renewal_of"]
    list_filter = ["course"]
    list_select_related = ["user", "course", "assignment__course", "renewal_of"]
    search_fields = ["user__username", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["assignment", "renewal_of"]


class CohortMembershipInline(admin.TabularInline):
    model = CohortMembership
    extra = 0
    fields = ["user", "role", "joined_at"]
    autocomplete_fields = ["user"]


def _sync_cohort(cohort: Cohort, user_ids) -> None:
    for course in Course.objects.filter(assignments__cohort=cohort):
        services.enrolments_sync(course=course, user_ids=user_ids)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    """Members added, removed or re-dated here get their due dates like in the app."""

    list_display = ["name", "created_at"]
    search_fields = ["name", "description"]
    filter_horizontal = ["educators"]
    inlines = [CohortMembershipInline]

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        cohort = form.instance
        before = set(cohort.memberships.values_list("user_id", flat=True))
        super().save_related(request, form, formsets, change)
        after = set(cohort.memberships.values_list("user_id", flat=True))
        _sync_cohort(cohort, before | after)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Saving or deleting here updates learners' due dates like the cohort pages do."""

    list_display = ["course", "cohort", "user", "due_on", "due_days", "assigned_by", "created_at"]
    list_filter = ["course"]
    list_select_related = ["course", "cohort", "user", "assigned_by"]
    search_fields = ["cohort__name", "user__username", "user__last_name", "course__title"]
    autocomplete_fields = ["user", "cohort"]
    readonly_fields = ["assigned_by", "created_at"]

    @staticmethod
    def _learners(assignment: Assignment) -> set[int]:
        if assignment.user_id:
            return {assignment.user_id}
        return set(
            CohortMembership.objects.filter(cohort_id=assignment.cohort_id).values_list(
                "user_id", flat=True
            )
        )

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        previous = Assignment.objects.filter(pk=obj.pk).first() if change else None
        if not change:
            obj.assigned_by = request.user
        super().save_model(request, obj, form, change)
        if previous is not None:
            Enrolment.objects.filter(assignment=obj, renewal_of__isnull=True).update(
                assignment=None, due_at=None
            )
            services.enrolments_sync(course=previous.course, user_ids=self._learners(previous))
        services.enrolments_sync(course=obj.course, user_ids=self._learners(obj))

    def delete_model(self, request, obj):
        services.assignment_remove(assignment=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            services.assignment_remove(assignment=assignment)


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "lesson", "started_at", "completed_at"]
    list_select_related = ["user", "lesson"]
    search_fields = ["user__username", "lesson__title"]
    readonly_fields = ["user", "lesson", "started_at", "completed_at"]


@admin.register(Completion)
class CompletionAdmin(RecordAdmin):
    """Completions are evidence: shown, never edited or deleted through the app."""

    list_display = [
        "user",
        "course_title",
        "completed_at",
        "expires_at",
        "final_score",
        "certificate_code",
        "kind",
    ]
    list_filter = ["course"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__last_name", "learner_name", "certificate_code"]


@admin.register(ReminderLog)
class ReminderLogAdmin(RecordAdmin):
    """What send_reminders sent: a log, read-only."""

    list_display = ["sent_at", "kind", "user", "key"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "key"]
