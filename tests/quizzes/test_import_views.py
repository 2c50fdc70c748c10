"""The import and export pages: the educator's (/banks/...) and the admin's, as people use them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from quizzes.formats import parse
from quizzes.importing import bank_export, import_commit
from quizzes.models import Question, QuestionBank
from tests import factories
from tests.quizzes import import_samples as samples

pytestmark = pytest.mark.django_db
IMPORT = reverse("quizzes:import")
ADMIN_IMPORT = reverse("admin:quizzes_questionbank_import")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def educator_client(client, educator):
    client.force_login(educator)
    return client


def _upload(client, url=IMPORT, *, data=None, name="bank.xml", **fields):
    fields.setdefault("new_bank", "MISS imports")
    fields.setdefault("categories", "tags")
    upload = SimpleUploadedFile(name, samples.moodle_xml() if data is None else data)
    return client.post(url, {"file": upload, **fields})


def _preview_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Who may -----------------------------------------------------------------------------------

EDUCATOR_PAGES = [
    IMPORT,
    reverse("quizzes:import_template"),
    reverse("quizzes:import_preview", args=["some-token"]),
    reverse("quizzes:export"),
]


@pytest.mark.parametrize("url", EDUCATOR_PAGES)
def test_anonymous_people_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", EDUCATOR_PAGES)
def test_a_learner_gets_403(learner_client, url):
    assert learner_client.get(url).status_code == 403


def test_a_learner_cannot_upload_and_nothing_is_written(learner_client):
    before = samples.counts()

    response = _upload(learner_client)

    assert response.status_code == 403
    assert samples.counts() == before


def test_staff_without_the_permission_get_403_in_the_admin(client):
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)

    assert client.get(ADMIN_IMPORT).status_code == 403
    bank = factories.BankFactory()
    export = reverse("admin:quizzes_questionbank_export", args=[bank.pk, "gift"])
    assert client.get(export).status_code == 403


def test_learners_are_sent_to_the_admin_login(learner_client):
    response = learner_client.get(ADMIN_IMPORT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_educators_see_the_import_link_and_learners_do_not(educator_client, learner):
    assert f'href="{IMPORT}"' in educator_client.get(reverse("training:dashboard")).text
    educator_client.force_login(learner)
    assert f'href="{IMPORT}"' not in educator_client.get(reverse("training:dashboard")).text


def test_the_upload_page_has_labelled_fields(educator_client):
    page = educator_client.get(IMPORT).text

    for field, label in [
        ("file", "Question file"),
        ("format", "Format"),
        ("bank", "Into the bank"),
        ("new_bank", "New bank name"),
    ]:
        assert re.search(rf'<label\s+for="id_{field}"[^>]*>\s*{label}', page), field
    assert re.search(r"<legend[^>]*>\s*Categories in the file become", page)
    assert 'enctype="multipart/form-data"' in page
    assert "Download the CSV template" in page
    assert " style=" not in page and "<script>" not in page


# Preview, then commit ----------------------------------------------------------------------


def test_an_upload_shows_a_preview_and_writes_nothing(educator_client, tmp_path):
    before = samples.counts()

    preview = educator_client.get(_preview_url(_upload(educator_client)))

    text = _text(preview)
    assert "Preview: nothing imported yet" in text
    assert "5 would be created, 0 would be updated (0 new version(s)), 0 unchanged" in text
    assert "MISS imports (new bank): 5 questions" in text
    assert "<strong>Create</strong>" in text and "<code>pos-001</code>" in text
    assert "2 unsupported questions: skipped, never imported" in text
    assert "<td>essay</td><td>Describe prone positioning</td><td>/quiz/question[8]</td>" in text
    assert "<td>essay</td><td>Explain a dural tear</td><td>/quiz/question[9]</td>" in text
    assert "Skip these 2 unsupported question(s)" in text
    assert "tag topic:&#x27;Positioning&#x27; is stored as topic:positioning" in text
    assert samples.counts() == before
    assert list(tmp_path.rglob("*.png")) == []
    assert " style=" not in preview.text and "<script>" not in preview.text


def test_confirming_without_ticking_the_skip_box_writes_nothing(educator_client):
    url = _preview_url(_upload(educator_client))
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', educator_client.get(url).text)
    before = samples.counts()

    response = educator_client.post(url, {"fingerprint": fingerprint.group(1)})

    assert response.status_code == 200
    assert "Tick “Skip these 2 unsupported question(s)” to import the rest" in response.text
    assert samples.counts() == before


def test_confirming_imports_and_lands_on_the_bank(educator_client):
    url = _preview_url(_upload(educator_client))
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', educator_client.get(url).text)

    response = educator_client.post(
        url, {"fingerprint": fingerprint.group(1), "skip_unsupported": "on"}, follow=True
    )

    bank = QuestionBank.objects.get(name="MISS imports")
    assert response.redirect_chain[-1][0] == (
        f"{reverse('admin:quizzes_question_changelist')}?bank__id__exact={bank.pk}"
    )
    text = _text(response)
    assert "Imported “bank.xml” into “MISS imports”: 5 created" in text
    assert "Skipped: essay “Describe prone positioning” at /quiz/question[8]" in text
    assert bank.questions.count() == 5
    assert Question.objects.get(key="pos-001").versions.get().created_by.username == (
        "educator-eden"
    )
    # The upload is gone from the session: confirming again does nothing more.
    again = educator_client.get(url, follow=True)
    assert "This preview has expired or was already used" in again.text


def test_an_existing_bank_can_be_chosen(educator_client):
    bank = factories.BankFactory(name="Positioning")
    url = _preview_url(
        _upload(educator_client, data=samples.CSV.encode(), name="b.csv", bank=bank.pk, new_bank="")
    )
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', educator_client.get(url).text)

    educator_client.post(url, {"fingerprint": fingerprint.group(1)})

    assert bank.questions.count() == 5
    assert "skip_unsupported" not in educator_client.get(url).text


def test_categories_can_become_banks_from_the_page(educator_client):
    url = _preview_url(_upload(educator_client, categories="banks"))
    page = _text(educator_client.get(url))
    assert "Positioning (new bank): 3 questions" in page
    assert "Procedures (new bank): 2 questions" in page
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', page)

    response = educator_client.post(
        url, {"fingerprint": fingerprint.group(1), "skip_unsupported": "on"}
    )

    assert response["Location"] == reverse("admin:quizzes_questionbank_changelist")
    assert QuestionBank.objects.get(name="Procedures").questions.count() == 2


def test_a_file_with_errors_shows_them_with_their_line_and_offers_no_import(educator_client):
    bad = b"::One::Fine?{T}\n\n::Two::Which level?\n{=L4-5\n~L3-4\n"

    page = _text(
        educator_client.get(_preview_url(_upload(educator_client, data=bad, name="b.gift")))
    )

    assert "1 problem: nothing can be imported" in page
    assert "<strong>line 4</strong>: unclosed brace" in page
    assert 'name="fingerprint"' not in page
    assert "Discard this upload" in page


def test_a_bank_that_changed_since_the_preview_is_not_imported(educator_client):
    url = _preview_url(_upload(educator_client, data=samples.CSV.encode(), name="b.csv"))
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', educator_client.get(url).text)
    factories.QuestionFactory(bank=factories.BankFactory(name="MISS imports"), key="csv-001")
    before = samples.counts()

    response = educator_client.post(url, {"fingerprint": fingerprint.group(1)})

    assert "The banks changed since the preview" in response.text
    assert "<strong>Update</strong>" in response.text
    assert samples.counts() == before


def test_cancelling_drops_the_upload(educator_client):
    url = _preview_url(_upload(educator_client))

    response = educator_client.post(f"{url}cancel/", follow=True)

    assert "Import cancelled: nothing was written." in response.text
    assert "has expired or was already used" in educator_client.get(url, follow=True).text


def test_another_person_cannot_use_a_preview(educator_client):
    url = _preview_url(_upload(educator_client))
    other = Client()
    other.force_login(factories.educator(username="educator-other"))

    response = other.post(url, {"skip_unsupported": "on"}, follow=True)

    assert "This preview has expired or was already used" in response.text
    assert not Question.objects.exists()


def test_a_preview_is_kept_in_the_session_not_on_the_server_disk(educator_client, tmp_path):
    url = _preview_url(_upload(educator_client))
    token = url.rstrip("/").rsplit("/", 1)[-1]

    pending = educator_client.session["question_imports"]

    assert list(pending) == [token]
    assert list(tmp_path.iterdir()) == []


def test_the_choice_of_bank_is_required_and_single(educator_client):
    bank = factories.BankFactory()

    neither = _upload(educator_client, new_bank="")
    both = _upload(educator_client, bank=bank.pk, new_bank="Another")

    assert "Name the new bank, or choose a bank above." in neither.text
    assert "Choose a bank above or name a new one, not both." in both.text


# Safety ------------------------------------------------------------------------------------


def test_a_20_mb_upload_is_refused_with_a_message_and_not_kept(educator_client, tmp_path):
    huge = b"::Q::Fine?{T}\n\n" + b"// padding\n" * (20 * 1024 * 1024 // 11)

    response = _upload(educator_client, data=huge, name="huge.gift")

    assert response.status_code == 200
    assert "Refused: the file is larger than 10 MB. Split it into smaller files." in response.text
    assert "question_imports" not in educator_client.session
    assert list(tmp_path.iterdir()) == []


def test_an_upload_needs_the_csrf_token(educator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(educator)

    for url in (IMPORT, ADMIN_IMPORT):
        response = _upload(client, url)
        assert response.status_code == 403, url
    assert "question_imports" not in client.session


def test_an_upload_with_the_csrf_token_is_accepted(educator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(educator)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(IMPORT).text)

    response = _upload(client, csrfmiddlewaretoken=token.group(1))

    assert response.status_code == 302


def test_a_file_in_an_unreadable_encoding_is_refused_with_a_message(educator_client):
    url = _preview_url(_upload(educator_client, data=b"::Q::Caf\xe9 \x81?{T}\n", name="b.gift"))

    page = educator_client.get(url).text

    assert "cannot read the text: byte 0x81 at byte offset" in page


# Template and export -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [reverse("quizzes:import_template"), reverse("admin:quizzes_questionbank_import_template")],
)
def test_the_csv_template_downloads_and_imports(educator_client, url):
    response = educator_client.get(url)

    assert response["Content-Disposition"] == 'attachment; filename="question-template.csv"'
    result = parse(b"".join(response.streaming_content), "csv")
    assert result.errors == []
    assert {q["type"] for q in result.questions} == {
        "single",
        "multiple",
        "true_false",
        "ordering",
        "matching",
    }


@pytest.mark.parametrize(
    ("fmt", "ending"), [("gift", ".gift"), ("moodle-xml", ".xml"), ("csv", ".csv")]
)
def test_the_admin_exports_a_bank_in_each_format(educator_client, fmt, ending):
    bank = samples.every_type_bank("Every type")
    changelist = educator_client.get(reverse("admin:quizzes_questionbank_changelist")).text
    url = reverse("admin:quizzes_questionbank_export", args=[bank.pk, fmt])
    assert f'href="{url}"' in changelist
    assert "Import questions" in changelist and "Download the CSV template" in changelist

    response = educator_client.get(url)

    assert response["Content-Disposition"] == f'attachment; filename="{bank.slug}{ending}"'
    assert response.content == bank_export(bank=bank, fmt=fmt)


def test_the_educator_export_page_downloads_a_bank(educator_client, learner):
    bank = samples.every_type_bank("Every type")
    learner_client = Client()
    learner_client.force_login(learner)
    url = reverse("quizzes:export")

    assert "<form" in educator_client.get(url).text
    response = educator_client.get(url, {"bank": bank.pk, "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert len(parse(response.content, "csv").questions) == 7
    assert learner_client.get(url, {"bank": bank.pk, "format": "csv"}).status_code == 403


# Done means --------------------------------------------------------------------------------


def test_done_means_an_educator_imports_a_moodle_bank_and_it_travels_on_without_loss(
    educator_client,
):
    """An educator uploads a Moodle XML bank in the admin, reads a preview that names the two
    skipped essay questions, confirms, finds the questions in the bank; exporting that bank to
    GIFT and importing it into Moodle XML again loses nothing the engine models."""
    url = _preview_url(_upload(educator_client, ADMIN_IMPORT, new_bank="From Moodle"))
    preview = _text(educator_client.get(url))
    assert "2 unsupported questions: skipped, never imported" in preview
    assert "Describe prone positioning" in preview and "Explain a dural tear" in preview
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', preview).group(1)

    landed = educator_client.post(
        url, {"fingerprint": fingerprint, "skip_unsupported": "on"}, follow=True
    )

    bank = QuestionBank.objects.get(name="From Moodle")
    for key in ("pos-001", "pos-002", "pos-003", "proc-001", "proc-002"):
        assert f">{key}</a>" in landed.text
    assert bank.questions.count() == 5

    gift = educator_client.get(
        reverse("admin:quizzes_questionbank_export", args=[bank.pk, "gift"])
    ).content
    import_commit(data=gift, filename="from-moodle.gift", bank_name="Via GIFT")
    via_gift = QuestionBank.objects.get(name="Via GIFT")
    xml = bank_export(bank=via_gift, fmt="moodle-xml")
    import_commit(data=xml, filename="via-gift.xml", bank_name="Back to Moodle XML")
    back = QuestionBank.objects.get(name="Back to Moodle XML")

    # Each bank keeps its own copy of an imported image, under its own folder.
    original = _any_image_folder(samples.bank_contents(bank))
    assert samples.bank_contents(via_gift) == samples.bank_contents(bank)
    assert _any_image_folder(samples.bank_contents(back)) == original
    assert "/questions/imported/back-to-moodle-xml/" in back.questions.get(key="pos-001").stem


def _any_image_folder(contents: dict) -> dict:
    folder = re.compile(r"/questions/imported/[\w-]+/")
    return {
        key: {**q, "stem": folder.sub("/questions/imported/*/", q["stem"])}
        for key, q in contents.items()
    }


def test_a_clash_with_another_import_at_the_same_moment_is_reported(educator_client, monkeypatch):
    from django.db import IntegrityError

    from quizzes import import_views

    def clash(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    url = _preview_url(_upload(educator_client, data=samples.CSV.encode(), name="b.csv"))
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', educator_client.get(url).text)
    monkeypatch.setattr(import_views, "import_commit", clash)

    response = educator_client.post(url, {"fingerprint": fingerprint.group(1)})

    assert response.status_code == 200
    assert "The banks changed while importing; nothing was imported." in response.text
    assert 'name="fingerprint"' in response.text
