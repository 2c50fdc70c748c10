"""Forms of the question import and export pages (the educator's pages and the admin's)."""

from __future__ import annotations

from django import forms

from .formats import MAX_BYTES
from .importing import FORMAT_NAMES, size_message
from .models import QuestionBank

FORMAT_CHOICES = [(key, name) for key, name in FORMAT_NAMES.items()]


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label="Question file",
        help_text=(
            f"GIFT (.gift or .txt), Moodle XML (.xml) or CSV (.csv), up to "
            f"{MAX_BYTES // 1024 // 1024} MB. Nothing is imported until you confirm the preview."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".gift,.txt,.xml,.csv"}),
    )
    format = forms.ChoiceField(
        label="Format",
        choices=[("", "Tell from the file name"), *FORMAT_CHOICES],
        required=False,
    )
    bank = forms.ModelChoiceField(
        label="Into the bank",
        queryset=QuestionBank.objects.all(),
        required=False,
        empty_label="A new bank (name it below)",
    )
    new_bank = forms.CharField(
        label="New bank name",
        max_length=QuestionBank._meta.get_field("name").max_length,
        required=False,
        help_text="Only for a new bank.",
    )
    categories = forms.ChoiceField(
        label="Categories in the file become",
        choices=[
            ("tags", "Topic tags: every question goes into the bank above"),
            ("banks", "Banks: each category becomes a bank named after its last part"),
        ],
        initial="tags",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"Refused: {size_message(upload.size)}")
        return upload

    def clean(self):
        data = super().clean()
        if self.too_large:
            self.errors.pop("file", None)
            self.add_error(
                "file",
                f"Refused: the file is larger than {MAX_BYTES // 1024 // 1024} MB. "
                "Split it into smaller files.",
            )
        bank, new_bank = data.get("bank"), (data.get("new_bank") or "").strip()
        if bank and new_bank:
            self.add_error("new_bank", "Choose a bank above or name a new one, not both.")
        elif not bank and not new_bank:
            self.add_error("new_bank", "Name the new bank, or choose a bank above.")
        return data

    @property
    def bank_name(self) -> str:
        bank = self.cleaned_data.get("bank")
        return bank.name if bank else self.cleaned_data["new_bank"].strip()


class ImportConfirmForm(forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput)
    skip_unsupported = forms.BooleanField(required=False)

    def __init__(self, *args, unsupported: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.unsupported = unsupported
        if unsupported:
            field = self.fields["skip_unsupported"]
            field.required = True
            field.label = f"Skip these {unsupported} unsupported question(s)"
            field.error_messages["required"] = (
                f"Tick “Skip these {unsupported} unsupported question(s)” to import the rest, "
                "or fix the file and upload it again."
            )
        else:
            del self.fields["skip_unsupported"]


class BankExportForm(forms.Form):
    bank = forms.ModelChoiceField(label="Bank", queryset=QuestionBank.objects.all())
    format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, initial="gift")
