"""Import and export pages: the educator's (/banks/...) and the admin's (QuestionBankAdmin).

An upload is previewed, then imported when the educator confirms. Between the two the file is
kept in the user's session, compressed, under a random token (``_pending_*``): sessions live in
the database, or in Redis with ``REDIS_URL``, so any app server can answer the confirmation and
none keeps anything on its disk; the per-process cache would not do with several workers. A
file that does not fit (``PENDING_MAX_BYTES`` once compressed) is refused with a message that
points to ``manage.py import_questions``. A session keeps ``PENDING_KEPT`` previews at most;
confirming or cancelling one drops it, and logging out drops them all.

Uploads are read by ``LimitedUploadHandler``: in memory, never on disk, and a file larger than
``quizzes.formats.MAX_BYTES`` is dropped as it streams in and refused with a message.
"""

from __future__ import annotations

import base64
import io
import secrets
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .formats import CONTENT_TYPES, FORMATS, MAX_BYTES, FormatError
from .forms_import import BankExportForm, ImportConfirmForm, QuestionImportForm
from .importing import (
    ImportPlan,
    ImportRefused,
    bank_export,
    export_filename,
    export_losses,
    import_commit,
    import_preview,
)
from .models import QuestionBank

PENDING = "question_imports"
PENDING_MAX_BYTES = 4 * 1024 * 1024
PENDING_KEPT = 3
TEMPLATE_CSV = Path(__file__).resolve().parent / "formats" / "template.csv"


class LimitedUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory up to ``limit`` bytes; a larger one is dropped."""

    def __init__(self, request=None, limit: int = MAX_BYTES):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.limit:
            self.too_large = True
            self.buffer = io.BytesIO()
            raise SkipFile
        self.buffer.write(raw_data)

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


# The uploaded file between preview and confirmation --------------------------------------


def _pending_store(request, *, data: bytes, **details: str) -> str | None:
    packed = zlib.compress(data, 6)
    if len(packed) > PENDING_MAX_BYTES:
        return None
    token = secrets.token_urlsafe(16)
    pending = dict(request.session.get(PENDING) or {})
    pending[token] = {
        **details,
        "data": base64.b64encode(packed).decode("ascii"),
        "at": time.time(),
    }
    for old in sorted(pending, key=lambda t: pending[t]["at"])[:-PENDING_KEPT]:
        del pending[old]
    request.session[PENDING] = pending
    return token


def _pending_get(request, token: str) -> dict[str, Any] | None:
    entry = (request.session.get(PENDING) or {}).get(token)
    if entry is None:
        return None
    return {
        "data": zlib.decompress(base64.b64decode(entry["data"])),
        "filename": entry["filename"],
        "fmt": entry["fmt"] or None,
        "bank_name": entry["bank_name"],
        "categories": entry["categories"],
    }


def _pending_drop(request, token: str) -> None:
    pending = dict(request.session.get(PENDING) or {})
    if pending.pop(token, None) is not None:
        request.session[PENDING] = pending


# Where each page lives: the educator's pages or the admin -----------------------------------


@dataclass(frozen=True)
class _Site:
    templates: str
    url_names: dict[str, str]
    admin: Any = None  # the QuestionBankAdmin, for the admin's pages

    def url(self, name: str, *args) -> str:
        return reverse(self.url_names[name], args=args)

    def context(self, request, **extra) -> dict[str, Any]:
        context = {"site_urls": {n: self.url(n) for n in ("upload", "template")}}
        if self.admin is not None:
            context.update(self.admin.admin_site.each_context(request))
            context["opts"] = QuestionBank._meta
        return {**context, **extra}


EDUCATOR = _Site(
    templates="quizzes/import/",
    url_names={
        "upload": "quizzes:import",
        "preview": "quizzes:import_preview",
        "cancel": "quizzes:import_cancel",
        "template": "quizzes:import_template",
    },
)


def _done_url(plan: ImportPlan) -> str:
    if len(plan.banks) == 1:
        url = reverse("admin:quizzes_question_changelist")
        return f"{url}?bank__id__exact={plan.banks[0].pk}"
    return reverse("admin:quizzes_questionbank_changelist")


def _done_message(plan: ImportPlan) -> str:
    banks = ", ".join(f"“{b.name}”" for b in plan.banks)
    message = f"Imported “{plan.filename}” into {banks}: {plan.summary()}."
    if plan.unsupported:
        skipped = "; ".join(f"{u.type} “{u.title}” at {u.where}" for u in plan.unsupported)
        message += f" Skipped: {skipped}."
    return message


# The pages, for either site -----------------------------------------------------------------


def _upload(request, site: _Site):
    handler = LimitedUploadHandler(request)
    if request.method == "POST":
        # Before anything reads the body; CSRF is checked below, once the handler is set.
        request.upload_handlers = [handler]
    return _upload_checked(request, site, handler)


@csrf_protect
def _upload_checked(request, site: _Site, handler: LimitedUploadHandler):
    if request.method == "POST":
        form = QuestionImportForm(request.POST, request.FILES, too_large=handler.too_large)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            token = _pending_store(
                request,
                data=upload.read(),
                filename=upload.name,
                fmt=form.cleaned_data["format"],
                bank_name=form.bank_name,
                categories=form.cleaned_data["categories"],
            )
            if token is not None:
                return redirect(site.url("preview", token))
            form.add_error(
                "file",
                "This file is too large to keep between the preview and your confirmation. "
                "Split it, or ask an administrator to run manage.py import_questions.",
            )
    else:
        initial = {}
        if (bank := request.GET.get("bank", "")).isdigit():
            initial["bank"] = bank
        form = QuestionImportForm(initial=initial)
    context = site.context(request, form=form, title="Import questions")
    return render(request, f"{site.templates}upload.html", context)


def _preview(request, token: str, site: _Site):
    pending = _pending_get(request, token)
    if pending is None:
        messages.error(
            request, "This preview has expired or was already used: upload the file again."
        )
        return redirect(site.url("upload"))
    plan = import_preview(**pending)
    if request.method == "POST":
        form = ImportConfirmForm(request.POST, unsupported=len(plan.unsupported))
        if form.is_valid():
            try:
                plan = import_commit(
                    **pending,
                    skip_unsupported=form.cleaned_data.get("skip_unsupported", False),
                    expected=form.cleaned_data["fingerprint"],
                    user=request.user,
                )
            except IntegrityError:
                # Another import or edit made the same bank or key at the same moment.
                messages.error(
                    request,
                    "The banks changed while importing; nothing was imported. "
                    "Read the preview again.",
                )
                plan = import_preview(**pending)
                form = ImportConfirmForm(
                    initial={"fingerprint": plan.fingerprint}, unsupported=len(plan.unsupported)
                )
            except ImportRefused as refusal:
                messages.error(request, str(refusal))
                plan = refusal.plan or plan
                form = ImportConfirmForm(
                    initial={"fingerprint": plan.fingerprint}, unsupported=len(plan.unsupported)
                )
            else:
                _pending_drop(request, token)
                messages.success(request, _done_message(plan))
                return redirect(_done_url(plan))
    else:
        form = ImportConfirmForm(
            initial={"fingerprint": plan.fingerprint}, unsupported=len(plan.unsupported)
        )
    context = site.context(
        request,
        plan=plan,
        form=form,
        cancel_url=site.url("cancel", token),
        title=f"Preview of {plan.filename}",
    )
    return render(request, f"{site.templates}preview.html", context)


def _cancel(request, token: str, site: _Site):
    _pending_drop(request, token)
    messages.info(request, "Import cancelled: nothing was written.")
    return redirect(site.url("upload"))


def _template_csv(request):
    return FileResponse(
        TEMPLATE_CSV.open("rb"),
        as_attachment=True,
        filename="question-template.csv",
        content_type="text/csv; charset=utf-8",
    )


def _export_response(request, bank: QuestionBank, fmt: str) -> HttpResponse:
    data = bank_export(bank=bank, fmt=fmt)
    for loss in export_losses(bank=bank, fmt=fmt):
        messages.warning(request, f"Not exported from “{bank}”: {loss}.")
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(bank, fmt)}"'
    return response


# The educator's pages -----------------------------------------------------------------------


@csrf_exempt  # checked inside, once the upload handler is in place
@login_required
@permission_required("quizzes.add_question", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    return _upload(request, EDUCATOR)


@login_required
@permission_required("quizzes.add_question", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview_page(request, token):
    return _preview(request, token, EDUCATOR)


@require_POST
@login_required
@permission_required("quizzes.add_question", raise_exception=True)
def import_cancel(request, token):
    return _cancel(request, token, EDUCATOR)


@require_GET
@login_required
@permission_required("quizzes.add_question", raise_exception=True)
def import_template(request):
    return _template_csv(request)


@require_GET
@login_required
@permission_required("quizzes.view_question", raise_exception=True)
def bank_export_page(request):
    form = BankExportForm(request.GET if "bank" in request.GET else None)
    if form.is_valid():
        try:
            return _export_response(request, form.cleaned_data["bank"], form.cleaned_data["format"])
        except FormatError as exc:
            form.add_error(None, f"This bank cannot be exported: {exc}")
    return render(request, "quizzes/import/export.html", {"form": form})


# The admin's pages (QuestionBankAdmin.get_urls) ---------------------------------------------


def admin_urls(model_admin) -> list:
    """The import, template and export pages of the question bank admin."""
    site = _Site(
        templates="admin/quizzes/questionbank/import_",
        url_names={
            "upload": "admin:quizzes_questionbank_import",
            "preview": "admin:quizzes_questionbank_import_preview",
            "cancel": "admin:quizzes_questionbank_import_cancel",
            "template": "admin:quizzes_questionbank_import_template",
        },
        admin=model_admin,
    )
    wrap = model_admin.admin_site.admin_view

    def can_import(request) -> None:
        if not request.user.has_perm("quizzes.add_question"):
            raise PermissionDenied

    @csrf_exempt  # checked inside, once the upload handler is in place
    @require_http_methods(["GET", "POST"])
    def upload(request):
        can_import(request)
        return _upload(request, site)

    @require_http_methods(["GET", "POST"])
    def preview(request, token):
        can_import(request)
        return _preview(request, token, site)

    @require_POST
    def cancel(request, token):
        can_import(request)
        return _cancel(request, token, site)

    @require_GET
    def template(request):
        can_import(request)
        return _template_csv(request)

    @require_GET
    def export(request, object_id, fmt):
        if not request.user.has_perm("quizzes.view_question"):
            raise PermissionDenied
        if fmt not in FORMATS:
            raise Http404("No such format.")
        bank = get_object_or_404(QuestionBank, pk=object_id)
        try:
            return _export_response(request, bank, fmt)
        except FormatError as exc:
            messages.error(request, f"“{bank}” cannot be exported: {exc}")
            return redirect("admin:quizzes_questionbank_changelist")

    return [
        path("import/", wrap(upload), name="quizzes_questionbank_import"),
        path("import/template.csv", wrap(template), name="quizzes_questionbank_import_template"),
        path("import/<str:token>/", wrap(preview), name="quizzes_questionbank_import_preview"),
        path(
            "import/<str:token>/cancel/",
            wrap(cancel),
            name="quizzes_questionbank_import_cancel",
        ),
        path(
            "<int:object_id>/export/<str:fmt>/",
            wrap(export),
            name="quizzes_questionbank_export",
        ),
    ]
