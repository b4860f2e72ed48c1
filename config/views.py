from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that declare no icon (admin, error pages)."""
    return redirect(static("img/favicon.svg"), permanent=True)
