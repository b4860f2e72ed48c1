"""Serve plotly.js from the installed `plotly` package as `vendor/plotly.min.js`.

The file ships inside the Python package (plotly/package_data/plotly.min.js), so the
browser gets exactly the plotly.js version the figures were built for, from our own origin
(no CDN), without a copy step: `runserver`, the test live server, WhiteNoise in DEBUG and
`collectstatic` all find it through this finder.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).resolve().parent / "package_data"
VENDOR_PREFIX = "vendor"
VENDORED = {f"{VENDOR_PREFIX}/plotly.min.js": PACKAGE_DATA / "plotly.min.js"}


class PlotlyFinder(BaseFinder):
    """Expose plotly's bundled plotly.min.js under `vendor/`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(PACKAGE_DATA))
        self.storage.prefix = VENDOR_PREFIX

    def check(self, **kwargs):
        from django.core.checks import Error

        missing = [str(p) for p in VENDORED.values() if not p.is_file()]
        return [Error(f"plotly.min.js not found at {path}", id="propdesk.E001") for path in missing]

    def find(self, path: str, find_all: bool = False, **kwargs):
        find_all = kwargs.get("all", find_all)  # Django < 6.1 spelling
        found = VENDORED.get(path)
        if found is None or not found.is_file():
            return [] if find_all else None
        return [str(found)] if find_all else str(found)

    def list(self, ignore_patterns):
        for public_path, file_path in VENDORED.items():
            if file_path.is_file():
                yield public_path.removeprefix(f"{VENDOR_PREFIX}/"), self.storage
