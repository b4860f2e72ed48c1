from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control

from accounts.access import portal_view
from evaluations.models import Certificate
from portal.certificate_document import certificate_pdf, headline, verification_qr


def _verify_url(request, certificate: Certificate) -> str:
    return request.build_absolute_uri(reverse("portal:certificate", args=[certificate.public_id]))


@portal_view
def my_certificates(request):
    """The trader's certificates, newest first, each with its share link and PDF."""
    certificates = Certificate.objects.filter(account__trader_id=request.user.pk).select_related(
        "account"
    )
    rows = [(c, headline(c), _verify_url(request, c)) for c in certificates]
    return render(request, "portal/certificates.html", {"rows": rows})


@cache_control(public=True, max_age=300)
def certificate_public(request, public_id: str):
    """The public verification page: no login; only name, event, program, amount and date."""
    certificate = get_object_or_404(Certificate, public_id=public_id)
    url = _verify_url(request, certificate)
    return render(
        request,
        "portal/certificate_public.html",
        {
            "certificate": certificate,
            "headline": headline(certificate),
            "verify_url": url,
            "qr_svg": verification_qr(url).svg_inline(scale=4, omitsize=True),
        },
    )


def certificate_download(request, public_id: str):
    """The certificate as PDF, with the QR code of the public page."""
    certificate = get_object_or_404(Certificate, public_id=public_id)
    response = HttpResponse(
        certificate_pdf(certificate, _verify_url(request, certificate)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="propdesk-certificate-{certificate.public_id}.pdf"'
    )
    return response
