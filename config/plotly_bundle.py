"""The plotly.js build the pages load: the official "basic" partial bundle, vendored.

The pip `plotly` package ships only the full bundle (4.85 MB, every trace type); our figures use
two trace types, so the pages load `plotly.js-basic-dist-min` (1.1 MB, 0.37 MB gzipped), the
same plotly.js version the pip package was built for. `scripts/update_plotly.sh` fetches and
checks it; static/vendor/PLOTLY.md records version and checksum. A figure that needs a trace
type outside `TRACE_TYPES` must change, or the bundle must (tests/portal/test_plotly_bundle.py).
"""

STATIC_PATH = "vendor/plotly-basic.min.js"
VERSION = "3.7.0"
SHA256 = "c23b03591a6bdad0bd0f47a0c5c52305a5519812b73ce254be65cd841553c9c2"
TRACE_TYPES = frozenset({"scatter", "bar", "pie"})
