"""plotly.js and our CSS/JS are served from our own static files, never a CDN."""

import hashlib
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command

from config import plotly_bundle


def test_the_partial_plotly_bundle_is_vendored_with_its_recorded_checksum():
    found = finders.find(plotly_bundle.STATIC_PATH)
    assert found
    content = Path(found).read_bytes()
    assert hashlib.sha256(content).hexdigest() == plotly_bundle.SHA256
    assert f"plotly.js (basic - minified) v{plotly_bundle.VERSION}" in content[:200].decode()
    assert len(content) < 1_500_000  # the full bundle is 4.85 MB
    assert finders.find("vendor/plotly.min.js") is None  # nothing serves the full bundle


def test_the_bundle_is_the_plotly_js_version_of_the_python_package():
    from plotly.offline import get_plotlyjs_version

    assert get_plotlyjs_version() == plotly_bundle.VERSION


def test_collectstatic_copies_plotly_and_the_portal_assets(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    names = (plotly_bundle.STATIC_PATH, "css/propdesk.css", "js/charts.js", "js/countdown.js")
    for name in names:
        assert (tmp_path / name).is_file(), name


def test_portal_css_and_js_load_nothing_from_other_origins():
    root = Path(__file__).resolve().parents[2] / "static"
    for path in [root / "css/propdesk.css", root / "js/charts.js", root / "js/countdown.js"]:
        text = path.read_text()
        assert "http://" not in text and "https://" not in text and "@import" not in text
