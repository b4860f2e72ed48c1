"""A certificate as a one-page PDF (reportlab) with a QR code (segno) of its public URL.

The QR code is drawn as vector squares, one per dark module of segno's matrix, so it stays sharp
at any zoom and its payload is exactly `verify_url`. The page stream is left uncompressed:
certificates are small, and the verification URL stays readable in the file.
"""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from evaluations.models import Certificate, CertificateKind

QR_MODULE = 4  # points per QR module
QR_ERROR = "m"


def verification_qr(verify_url: str) -> segno.QRCode:
    """The QR code of a certificate's public URL (error correction M, no boost: reproducible)."""
    return segno.make_qr(verify_url, error=QR_ERROR, boost_error=False)


def headline(certificate: Certificate) -> str:
    if certificate.kind == CertificateKind.PAYOUT:
        return f"Payout of {certificate.amount:,.2f} {certificate.currency}"
    return f"Passed: {certificate.phase_name}"


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    """The certificate's PDF: who, what, program, date, and the QR code pointing at verify_url."""
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=0)
    pdf.setTitle(f"PropDesk certificate {certificate.public_id}")
    pdf.setAuthor("PropDesk")
    pdf.setLineWidth(3)
    pdf.rect(30, 30, width - 60, height - 60, stroke=1, fill=0)
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(width / 2, height - 110, "PropDesk certifies that")
    pdf.setFont("Helvetica-Bold", 34)
    pdf.drawCentredString(width / 2, height - 160, certificate.trader_name)
    pdf.setFont("Helvetica-Bold", 24)
    pdf.drawCentredString(width / 2, height - 215, headline(certificate))
    pdf.setFont("Helvetica", 16)
    pdf.drawCentredString(width / 2, height - 250, f"Program: {certificate.program_name}")
    pdf.drawCentredString(width / 2, height - 275, f"Date: {certificate.issued_on:%d %B %Y}")

    qr = verification_qr(verify_url)
    size = qr.symbol_size(scale=1, border=0)[0] * QR_MODULE
    left, top = (width - size) / 2, 80 + size
    path = pdf.beginPath()
    for row, line in enumerate(qr.matrix):
        for col, dark in enumerate(line):
            if dark:
                path.rect(left + col * QR_MODULE, top - (row + 1) * QR_MODULE, QR_MODULE, QR_MODULE)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.setFont("Helvetica", 10)
    pdf.drawCentredString(width / 2, 60, f"Verify: {verify_url}")
    pdf.linkURL(verify_url, (left, 80, left + size, top), relative=0)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
