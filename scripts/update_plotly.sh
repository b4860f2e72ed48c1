#!/usr/bin/env bash
# Vendor plotly.js's official "basic" partial bundle (scatter, bar, pie) into static/vendor/.
#
#   bash scripts/update_plotly.sh VERSION SHA256
#
# Fetches plotly.js-basic-dist-min@VERSION from the npm registry (`npm pack`), checks the
# sha256 of plotly-basic.min.js against SHA256 (read it from a trusted copy, e.g. the release's
# file on a second machine, before pinning it), then copies the file and its licence into
# static/vendor/ and records version and checksum in static/vendor/PLOTLY.md. Run it only to
# upgrade: the file is committed, so a fresh clone, the demo and CI need no download.
# Keep VERSION equal to the plotly.js the pip `plotly` package was built for
# (`python -c "from plotly.offline import get_plotlyjs_version as v; print(v())"`).
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:?usage: scripts/update_plotly.sh VERSION SHA256}"
expected="${2:?usage: scripts/update_plotly.sh VERSION SHA256}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "plotly.js-basic-dist-min@${version}" >/dev/null && tar xzf ./*.tgz)
actual="$(sha256sum "$work/package/plotly-basic.min.js" | cut -d' ' -f1)"
if [ "$actual" != "$expected" ]; then
  echo "sha256 mismatch for plotly-basic.min.js ${version}: got ${actual}, expected ${expected}" >&2
  exit 1
fi
cp "$work/package/plotly-basic.min.js" static/vendor/plotly-basic.min.js
cp "$work/package/LICENSE" static/vendor/plotly-LICENSE.txt
cat > static/vendor/PLOTLY.md <<DOC
# plotly.js basic bundle (vendored)

- file: \`plotly-basic.min.js\` from the npm package \`plotly.js-basic-dist-min\` ${version}
- trace types: scatter, bar, pie (portal and staff figures use scatter and bar)
- sha256: \`${actual}\`
- licence: MIT, Plotly, Inc. (\`plotly-LICENSE.txt\`)
- updated by: \`bash scripts/update_plotly.sh ${version} ${actual}\`
DOC
echo "static/vendor/plotly-basic.min.js is plotly.js basic ${version} (sha256 ${actual})"
