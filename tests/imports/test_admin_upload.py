"""The admin upload page: risk/admin staff import a file and read the report on the result page
(the import itself runs in a worker: tests/imports/test_admin_upload_background.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evaluations.models import ImportBatch, Trade
from tests.factories import staff_user

URL = "/admin/evaluations/importbatch/upload/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def risk_client(client, db):
    user = staff_user("risk")
    client.force_login(user)
    return client, user


@pytest.fixture
def _upload(django_capture_on_commit_callbacks):
    """Post the file, let the queued import run (eagerly, once the upload commits) and follow
    the redirect to the result page."""

    def upload(client, path, **fields):
        with open(path, "rb") as handle:
            data = {"file": SimpleUploadedFile(path.name, handle.read(), "text/csv")}
        data.update({"format": "auto", "broker_tz": "UTC", "account": "", **fields})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, data)
        if response.status_code != 302:
            return response  # the form again, with its errors
        assert response["Location"].endswith("/progress/")
        return client.get(response["Location"])

    return upload


def test_risk_staff_import_the_43_row_tradovate_file(risk_client, account, fixture_path, _upload):
    client, user = risk_client

    response = _upload(client, fixture_path("tradovate_performance.csv"), account=account.login)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Imported 43 row(s): 43 new, 0 updated, 0 unchanged, 0 rejected." in page
    assert Trade.objects.filter(account=account).count() == 43
    batch = ImportBatch.objects.get()
    assert (batch.source, batch.format, batch.created_by, batch.filename) == (
        "admin",
        "tradovate",
        user,
        "tradovate_performance.csv",
    )


def test_upload_again_reports_no_changes(risk_client, account, fixture_path, _upload):
    client, _ = risk_client
    _upload(client, fixture_path("tradovate_performance.csv"), account=account.login)

    response = _upload(client, fixture_path("tradovate_performance.csv"), account=account.login)

    assert "No changes: all 43 row(s) were already imported." in response.content.decode()


def test_bad_rows_are_listed_with_line_and_column(
    risk_client, account, fixture_path, tmp_path, _upload
):
    client, _ = risk_client
    bad = tmp_path / "bad.csv"
    text = fixture_path("tradovate_performance.csv").read_text()
    bad.write_text(text.replace("$(41.00)", "$(4x.00)"))

    response = _upload(client, bad, account=account.login)

    page = response.content.decode()
    assert "Rejected: 1 bad row(s) of 43; nothing was written." in page
    assert "<td>3</td><td>pnl</td>" in page
    assert not Trade.objects.exists()


def test_unknown_account_and_bad_zone_are_form_errors(risk_client, fixture_path, _upload):
    client, _ = risk_client

    response = _upload(
        client, fixture_path("tradovate_performance.csv"), account="404", broker_tz="Nowhere/X"
    )

    page = response.content.decode()
    assert "No account with login or alias 404." in page
    assert "is not a known IANA time zone" in page
    assert not ImportBatch.objects.exists()


def test_oversize_upload_is_refused_with_a_message(
    risk_client, account, fixture_path, settings, _upload
):
    client, _ = risk_client
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000

    response = _upload(client, fixture_path("tradovate_performance.csv"), account=account.login)

    assert "file too large" in response.content.decode()
    assert not Trade.objects.exists()


def test_support_staff_cannot_upload(client, db):
    client.force_login(staff_user("support"))

    assert client.get(URL).status_code == 403


def test_import_log_links_to_the_upload_page(risk_client):
    client, _ = risk_client

    response = client.get("/admin/evaluations/importbatch/")

    assert response.status_code == 200
    assert URL in response.content.decode()


def test_upload_skips_other_accounts_and_shows_per_account_totals(
    risk_client, fixture_path, _upload
):
    from tests.factories import TradingAccountFactory

    client, _ = risk_client
    sim = TradingAccountFactory(login="Sim101")

    response = _upload(
        client,
        fixture_path("ninjatrader_multi_account.csv"),
        account="Sim101",
        skip_other_accounts="on",
    )

    page = response.content.decode()
    assert "Imported 4 row(s): 4 new" in page
    assert "Skipped 4 row(s) of other accounts: APEX-41852-07 (2)" in page
    assert "<td>Sim101</td><td>4</td><td>4</td><td>21.80</td>" in page
    assert Trade.objects.filter(account=sim).count() == 4


def test_upload_takes_the_date_order_of_an_ambiguous_european_file(
    risk_client, fixture_path, _upload, tmp_path
):
    from tests.factories import TradingAccountFactory

    client, _ = risk_client
    TradingAccountFactory(login="Sim101")
    ambiguous = tmp_path / "eu.csv"
    ambiguous.write_text(
        fixture_path("ninjatrader_european.csv").read_text().replace("13/02", "10/02")
    )

    asked = _upload(client, ambiguous)
    done = _upload(client, ambiguous, date_order="dmy")

    assert "--date-order dmy" in asked.content.decode()
    assert "Imported 4 row(s): 4 new" in done.content.decode()
    assert {t.open_time.day for t in Trade.objects.all()} == {10}
