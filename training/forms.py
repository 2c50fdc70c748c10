"""Forms for educators: cohorts, members, assignments and completion corrections."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .models import Cohort, CohortMembership, Completion, Course, end_of_day
from .roles import ADMINISTRATORS, EDUCATORS
from .services import learners_find


def staff_choices():
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=[EDUCATORS, ADMINISTRATORS]) | Q(is_superuser=True))
        .filter(is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class CohortForm(forms.ModelForm):
    educators = StaffChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="They receive the cohort's weekly digest e-mail.",
    )

    class Meta:
        model = Cohort
        fields = ["name", "description", "educators"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["educators"].queryset = staff_choices()


class LearnerField(forms.CharField):
    """A username or e-mail that names exactly one active account; cleans to the user."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Username or e-mail")
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        found = learners_find([value])[value.strip()]
        if isinstance(found, str):
            raise forms.ValidationError(found[0].upper() + found[1:] + ".")
        return found


class MemberAddForm(forms.Form):
    learner = LearnerField()
    role = forms.ChoiceField(choices=CohortMembership.Role.choices)


class MembersUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "One learner per line: username or e-mail, then optionally a role "
            "(scrub nurse, circulator, surgical tech, radiology tech, ward nurse). "
            "A header line is allowed. If any name is unknown, nobody is added."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    default_role = forms.ChoiceField(
        choices=CohortMembership.Role.choices, help_text="For lines that give no role."
    )

    MAX_BYTES = 1_000_000

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB: split it.")
        return upload


class AssignmentForm(forms.Form):
    FIXED, RELATIVE = "fixed", "relative"

    course = forms.ModelChoiceField(queryset=Course.objects.none(), empty_label=None)
    due_kind = forms.ChoiceField(
        label="Due",
        choices=[(FIXED, "On a date"), (RELATIVE, "A number of days after joining or assignment")],
        widget=forms.RadioSelect,
        initial=RELATIVE,
    )
    due_on = forms.DateField(
        label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_days = forms.IntegerField(
        label="Days to complete",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Counted from when each learner joins the cohort or is assigned.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(published=True)

    def clean(self):
        data = super().clean()
        kind = data.get("due_kind")
        if kind == self.FIXED:
            if not data.get("due_on"):
                self.add_error("due_on", "Give the due date.")
            elif data["due_on"] < timezone.localdate():
                self.add_error("due_on", "The due date is in the past.")
            data["due_days"] = None
        elif kind == self.RELATIVE:
            if not data.get("due_days"):
                self.add_error("due_days", "Give the number of days.")
            data["due_on"] = None
        return data


class LearnerAssignmentForm(AssignmentForm):
    learner = LearnerField()

    field_order = ["learner", "course", "due_kind", "due_on", "due_days"]


class CompletionCorrectionForm(forms.Form):
    """What a correction may change, with the reason. Dates keep the record's time of day."""

    learner_name = forms.CharField(max_length=300)
    completed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty when the completion never expires.",
    )
    final_score = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2, label="Final score (%)"
    )
    contact_hours = forms.DecimalField(
        required=False, min_value=0, max_value=1000, decimal_places=2
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the record is corrected; kept with the new record.",
    )

    def __init__(self, *args, completion: Completion, **kwargs):
        self.completion = completion
        initial = {
            "learner_name": completion.learner_name,
            "completed_on": timezone.localdate(completion.completed_at),
            "expires_on": (
                timezone.localdate(completion.expires_at) if completion.expires_at else None
            ),
            "final_score": completion.final_score,
            "contact_hours": completion.contact_hours,
        }
        super().__init__(*args, initial=initial, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        changes = {}
        original = self.completion
        if data["learner_name"] != original.learner_name:
            changes["learner_name"] = data["learner_name"]
        if data["completed_on"] != timezone.localdate(original.completed_at):
            changes["completed_at"] = _same_time(data["completed_on"], original.completed_at)
        old_expiry = timezone.localdate(original.expires_at) if original.expires_at else None
        if data["expires_on"] != old_expiry:
            changes["expires_at"] = (
                _same_time(data["expires_on"], original.expires_at)
                if data["expires_on"] and original.expires_at
                else end_of_day(data["expires_on"])
                if data["expires_on"]
                else None
            )
        for name in ("final_score", "contact_hours"):
            if data[name] != getattr(original, name):
                changes[name] = data[name]
        if not changes:
            raise forms.ValidationError("Nothing was changed: a correction must change something.")
        data["changes"] = changes
        return data


def _same_time(day, moment: datetime) -> datetime:
    return timezone.make_aware(datetime.combine(day, timezone.localtime(moment).time()))
