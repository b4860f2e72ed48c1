"""Security finding 4, part 3: an admin upload is stored, queued and imported by a worker; the
result page follows it from queued to its report (tasks run eagerly under pytest)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditAction, AuditEvent
from evaluations.models import ImportBatch, ImportStatus, Trade
from imports.tasks import run_upload
from tests.factories import staff_user

URL = "/admin/evaluations/importbatch/upload/"


def progress_url(batch) -> str:
    return f"/admin/evaluations/importbatch/{batch.pk}/progress/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def risk_client(client, db):
    user = staff_user("risk")
    client.force_login(user)
    return client, user


def _post(client, path: Path, **fields):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes(), "text/csv")}
    data.update({"format": "auto", "broker_tz": "UTC", "account": "", **fields})
    return client.post(URL, data)


def _stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


def test_finding_4_admin_upload_runs_in_the_background_and_the_result_page_shows_the_report(
    risk_client, account, fixture_path, media_root, django_capture_on_commit_callbacks
):
    client, user = risk_client

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _post(client, fixture_path("tradovate_performance.csv"), account=account.login)

    # The request only stored the file and queued the import.
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == progress_url(batch)
    assert (batch.status, batch.source, batch.created_by, batch.filename) == (
        ImportStatus.QUEUED,
        "admin",
        user,
        "tradovate_performance.csv",
    )
    assert len(queued) == 1
    assert not Trade.objects.exists()
    [stored] = _stored_files(media_root)
    assert stored.read_bytes() == fixture_path("tradovate_performance.csv").read_bytes()
    assert stored.name != "tradovate_performance.csv"  # the uploader names nothing on disk

    waiting = client.get(progress_url(batch)).content.decode()
    assert f"Import #{batch.pk}: Queued" in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert f'hx-get="{progress_url(batch)}"' in waiting
    assert "vendor/htmx.min.js" in waiting

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()  # the worker's turn

    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert Trade.objects.filter(account=account).count() == 43
    assert _stored_files(media_root) == []  # deleted once imported
    assert not batch.upload

    done = client.get(progress_url(batch)).content.decode()
    assert "Imported 43 row(s): 43 new, 0 updated, 0 unchanged, 0 rejected." in done
    assert f"/admin/evaluations/importbatch/{batch.pk}/change/" in done
    assert "hx-trigger" not in done  # the poll stops


def test_the_htmx_poll_gets_the_panel_alone(risk_client, account, fixture_path):
    client, _ = risk_client
    _post(client, fixture_path("tradovate_performance.csv"), account=account.login)
    batch = ImportBatch.objects.get()
    batch.status = ImportStatus.RUNNING
    batch.save()

    response = client.get(progress_url(batch), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith("<section")
    assert f"Import #{batch.pk}: Running" in page
    assert 'hx-trigger="every 2s"' in page
    assert "<html" not in page


def test_running_the_task_twice_imports_once(
    risk_client, account, fixture_path, django_capture_on_commit_callbacks
):
    client, _ = risk_client
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, fixture_path("tradovate_performance.csv"), account=account.login)
    batch = ImportBatch.objects.get()
    first = (batch.status, batch.rows_new, batch.rows_unchanged)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_upload.delay(batch.pk).get()

    assert outcome == "skipped"
    batch.refresh_from_db()
    assert (batch.status, batch.rows_new, batch.rows_unchanged) == first == ("committed", 43, 0)
    assert ImportBatch.objects.count() == 1
    assert Trade.objects.count() == 43
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_COMMITTED).count() == 1


def test_a_batch_left_running_by_a_killed_worker_is_imported_again(
    risk_client, account, fixture_path, django_capture_on_commit_callbacks
):
    client, _ = risk_client
    with django_capture_on_commit_callbacks(execute=False):  # queued, never delivered
        _post(client, fixture_path("tradovate_performance.csv"), account=account.login)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)

    with django_capture_on_commit_callbacks(execute=True):
        assert run_upload.delay(batch.pk).get() == ImportStatus.COMMITTED

    batch.refresh_from_db()
    assert (batch.rows_new, batch.rows_rejected) == (43, 0)
    assert Trade.objects.count() == 43


def test_a_bad_file_shows_its_row_errors_on_the_result_page(
    risk_client, account, fixture_path, tmp_path, django_capture_on_commit_callbacks
):
    client, _ = risk_client
    bad = tmp_path / "bad.csv"
    text = fixture_path("tradovate_performance.csv").read_text()
    bad.write_text(text.replace("$(41.00)", "$(4x.00)").replace("$(29.00)", "$(2y.00)", 1))

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, bad, account=account.login)

    batch = ImportBatch.objects.get()
    assert response["Location"] == progress_url(batch)
    page = client.get(progress_url(batch)).content.decode()
    assert batch.status == ImportStatus.REJECTED
    assert f"Rejected: {batch.rows_rejected} bad row(s) of 43; nothing was written." in page
    assert "<td>3</td><td>pnl</td>" in page
    assert "hx-trigger" not in page
    assert not Trade.objects.exists()


def test_a_file_of_no_known_format_is_rejected_in_its_own_batch(
    risk_client, account, tmp_path, media_root, django_capture_on_commit_callbacks
):
    client, _ = risk_client
    unknown = tmp_path / "notes.csv"
    unknown.write_bytes(b"what,is,this\n1,2,3\n")

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, unknown, account=account.login)

    batch = ImportBatch.objects.get()
    page = client.get(progress_url(batch)).content.decode()
    assert batch.status == ImportStatus.REJECTED
    assert "Rejected: " in page and "Nothing was written." in page
    assert _stored_files(media_root) == []


def test_a_queued_upload_whose_file_is_gone_is_rejected_with_a_message(
    risk_client, account, fixture_path, media_root, django_capture_on_commit_callbacks
):
    client, _ = risk_client
    with django_capture_on_commit_callbacks(execute=False):
        _post(client, fixture_path("tradovate_performance.csv"), account=account.login)
    batch = ImportBatch.objects.get()
    for stored in _stored_files(media_root):
        stored.unlink()

    with django_capture_on_commit_callbacks(execute=True):
        run_upload.delay(batch.pk)

    page = client.get(progress_url(batch)).content.decode()
    assert "Rejected: the uploaded file is no longer stored; upload it again." in page
    assert ImportBatch.objects.count() == 1


def test_the_upload_button_is_disabled_by_a_static_script(risk_client):
    client, _ = risk_client

    page = client.get(URL).content.decode()

    assert "js/upload.js" in page
    assert 'class="js-upload-form"' in page
    assert 'data-busy-label="Uploading…"' in page
    assert "<script>" not in page  # no inline script: the CSP forbids it
    script = (Path(__file__).parents[2] / "static/js/upload.js").read_text()
    assert "disabled = true" in script


@pytest.mark.parametrize("role", ["support", "finance"])
def test_staff_without_the_upload_permission_cannot_see_the_result_page(client, db, role, account):
    batch = ImportBatch.objects.create(source="admin", format="auto", status=ImportStatus.QUEUED)
    client.force_login(staff_user(role))

    assert client.get(progress_url(batch)).status_code == 403


def test_the_result_page_of_an_unknown_batch_is_404(risk_client):
    client, _ = risk_client

    assert client.get("/admin/evaluations/importbatch/999999/progress/").status_code == 404
