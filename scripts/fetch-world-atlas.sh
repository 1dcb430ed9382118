#!/usr/bin/env bash
# Refreshes the embedded base map from the world-atlas npm package (Natural
# Earth 1:50m countries and land as TopoJSON). Needs npm.
set -euo pipefail
dest="$(cd "$(dirname "$0")/.." && pwd)/analyzer/internal/render/worldatlas"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack world-atlas@2.0.2 >/dev/null
tar xzf world-atlas-2.0.2.tgz
cp package/countries-50m.json "$dest/countries-50m.json"
cp package/LICENSE "$dest/LICENSE.world-atlas"
echo "updated $dest/countries-50m.json"
