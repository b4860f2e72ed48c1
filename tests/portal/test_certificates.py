"""Certificates: issued by the pass, shown to the trader, verified publicly, downloadable as PDF."""

import re

import pytest
from django.urls import reverse

from evaluations.models import Certificate
from evaluations.services.certificates import issue_pass_certificate, public_trader_name
from portal.certificate_document import verification_qr
from tests.factories import TraderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_trader(db):
    return TraderFactory(email="jane.doe@example.com", first_name="Jane", last_name="doe")


@pytest.fixture
def passed(named_trader):
    from tests.portal.builders import portfolio

    return portfolio(named_trader)["passed"]


def test_passing_a_phase_issues_one_certificate(passed):
    [certificate] = Certificate.objects.filter(account=passed)
    assert (certificate.kind, certificate.trader_name) == ("phase_passed", "Jane D.")
    assert certificate.issued_on == passed.ended_at.date()
    assert len(certificate.public_id) >= 20
    assert issue_pass_certificate(passed, at=passed.ended_at) == certificate  # idempotent
    assert Certificate.objects.filter(account=passed).count() == 1


def test_public_name_never_shows_the_surname_or_email():
    assert public_trader_name(TraderFactory.build(first_name="Ann", last_name="Lee")) == "Ann L."
    assert public_trader_name(TraderFactory.build(first_name="", last_name="Lee")) == (
        "A PropDesk trader"
    )


def test_trader_sees_the_certificate_with_its_share_link(client, named_trader, passed):
    client.force_login(named_trader)
    html = client.get(reverse("portal:certificates")).content.decode()
    certificate = Certificate.objects.get(account=passed)
    assert f"http://testserver/certificates/{certificate.public_id}/" in html
    assert "Passed: " in html


def test_public_page_verifies_without_login_and_shows_no_private_data(client, passed):
    certificate = Certificate.objects.get(account=passed)
    response = client.get(reverse("portal:certificate", args=[certificate.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Jane D." in html and certificate.program_name in html
    assert "jane.doe@example.com" not in html and passed.login not in html
    assert "<svg" in html  # the QR code


def test_unknown_certificate_is_404(client):
    assert client.get("/certificates/not-a-real-id/").status_code == 404
    assert client.get("/certificates/not-a-real-id/certificate.pdf").status_code == 404


def test_pdf_carries_the_verify_url_and_its_qr_code(client, passed):
    certificate = Certificate.objects.get(account=passed)
    response = client.get(reverse("portal:certificate_pdf", args=[certificate.public_id]))
    body = response.content
    url = f"http://testserver/certificates/{certificate.public_id}/"
    assert response["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF")
    assert url.encode() in body
    # The QR code is drawn as one 4-point square per dark module: rebuild the matrix from the
    # page's rectangles and compare it with the QR code of the verify URL.
    squares = [(float(x), float(y)) for x, y in re.findall(rb"([\d.]+) ([\d.]+) 4 4 re", body)]
    assert squares
    left, top = min(x for x, _ in squares), max(y for _, y in squares)
    dark = {(round((top - y) / 4), round((x - left) / 4)) for x, y in squares}
    expected = {
        (r, c)
        for r, row in enumerate(verification_qr(url).matrix)
        for c, module in enumerate(row)
        if module
    }
    shift = (min(r for r, _ in expected), min(c for _, c in expected))
    assert {(r + shift[0], c + shift[1]) for r, c in dark} == expected
