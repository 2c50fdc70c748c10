"""Certificates and transcripts as PDF (WeasyPrint), with a verification QR code (segno)."""

from __future__ import annotations

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Completion


def verification_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("training:verify", args=[code])


def qr_code_data_uri(url: str) -> str:
    """The URL as a QR code, an SVG data URI: vector in the PDF, no file, no network."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _provider() -> dict:
    return {
        "name": settings.PROVIDER_NAME,
        "address_lines": [line for line in settings.PROVIDER_ADDRESS.splitlines() if line],
        "accreditation": settings.ACCREDITATION_STATEMENT,
    }


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import CSS, HTML, URLFetcher  # slow to import: only when a PDF is asked

    # The documents embed everything they need; nothing is fetched from anywhere.
    fetcher = URLFetcher(allowed_protocols={"data"})
    html = render_to_string(template, context)
    stylesheet = CSS(string=render_to_string("training/pdf/pdf.css"), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


def certificate_pdf(completion: Completion) -> bytes:
    url = verification_url(completion.certificate_code)
    context = {
        "completion": completion,
        "provider": _provider(),
        "verify_url": url,
        "qr_code": qr_code_data_uri(url),
        "SITE_NAME": settings.SITE_NAME,
    }
    return _pdf("training/pdf/certificate.html", context)


def transcript_pdf(*, learner, rows: list[dict]) -> bytes:
    context = {
        "learner": learner,
        "rows": rows,
        "provider": _provider(),
        "generated_at": timezone.now(),
        "verify_base": settings.SITE_URL.rstrip("/") + "/verify/",
        "SITE_NAME": settings.SITE_NAME,
    }
    return _pdf("training/pdf/transcript.html", context)
