from __future__ import annotations

from django.contrib import admin

from .models import Completion, Course, Enrolment, Lesson, LessonProgress


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ["position", "title", "slug", "estimated_minutes", "quiz", "required", "quiz_required"]
    autocomplete_fields = ["quiz"]
    show_change_link = True


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
    list_display = ["user", "course", "enrolled_at", "due_at"]
    list_filter = ["course"]
    list_select_related = ["user", "course"]
    search_fields = ["user__username", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "lesson", "started_at", "completed_at"]
    list_select_related = ["user", "lesson"]
    search_fields = ["user__username", "lesson__title"]
    readonly_fields = ["user", "lesson", "started_at", "completed_at"]


@admin.register(Completion)
class CompletionAdmin(admin.ModelAdmin):
    """Completions are evidence: shown, never edited or deleted through the app."""

    list_display = [
        "user",
        "course_title",
        "completed_at",
        "expires_at",
        "final_score",
        "certificate_code",
    ]
    list_filter = ["course"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__last_name", "certificate_code"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Completion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
