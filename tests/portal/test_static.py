"""plotly.js and our CSS/JS are served from our own static files, never a CDN."""

from pathlib import Path

import plotly
from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_plotly_is_found_as_a_vendored_static_file():
    found = finders.find("vendor/plotly.min.js")
    assert found and Path(found).stat().st_size > 1_000_000
    assert Path(found).parent == Path(plotly.__file__).parent / "package_data"


def test_collectstatic_copies_plotly_and_the_portal_assets(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    for name in ("vendor/plotly.min.js", "css/propdesk.css", "js/charts.js", "js/countdown.js"):
        assert (tmp_path / name).is_file(), name


def test_portal_css_and_js_load_nothing_from_other_origins():
    root = Path(__file__).resolve().parents[2] / "static"
    for path in [root / "css/propdesk.css", root / "js/charts.js", root / "js/countdown.js"]:
        text = path.read_text()
        assert "http://" not in text and "https://" not in text and "@import" not in text
