#!/usr/bin/env bash
# Refreshes the live page's map library, Leaflet (BSD-2-Clause,
# https://github.com/Leaflet/Leaflet), from its npm package: the minified
# script and style sheet, with the licence beside them. They are committed
# (160 KB) and embedded in the analyzer, so a build needs neither npm nor a
# network. Needs npm. The tarball's digest is checked, so a refresh that
# changes a byte is a deliberate change of the version and digest below.
set -euo pipefail
version=1.9.4
sha256=84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77
dest="$(cd "$(dirname "$0")/.." && pwd)/analyzer/internal/web/assets/leaflet"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "leaflet@$version" >/dev/null
echo "$sha256  leaflet-$version.tgz" | sha256sum -c --quiet
tar xzf "leaflet-$version.tgz"
mkdir -p "$dest"
cp package/dist/leaflet.js package/dist/leaflet.css "$dest/"
cp package/LICENSE "$dest/LICENSE.leaflet"
echo "updated $dest (leaflet $version)"
