"""The choices of the item-analysis pages: which attempts count, and the tag to group by."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from .item_analysis import TAG_KINDS, Which
from .models import Tag


class ItemAnalysisForm(forms.Form):
    which = forms.ChoiceField(
        label="Attempts that count", choices=Which.choices, initial=Which.FIRST, required=False
    )
    group = forms.ChoiceField(
        label="Group the questions by",
        choices=[(kind.value, kind.label) for kind in TAG_KINDS],
        initial=Tag.Kind.RISK,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Row(Column("which", css_class="col-md-5"), Column("group", css_class="col-md-4")),
        )
        self.helper.add_input(Submit("show", "Show", css_class="btn-primary"))

    def choice(self, name: str) -> str:
        default = self.fields[name].initial
        if not self.is_valid():
            return default
        return self.cleaned_data.get(name) or default
