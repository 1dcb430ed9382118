#!/usr/bin/env bash
# Puts Jetstream's zstd dictionary where `scraper bluesky --compress` builds
# it in (scraper/internal/source/bluesky/dict/zstd_dictionary), and checks
# that it is the one Jetstream compresses with.
#
# Source: github.com/bluesky-social/jetstream,
#   internal/subscribe/dictionaries/legacy_subscribe.zdict at commit
#   9a30defd224e9058814a7d6ce8d9e4fc48d5493c (Jetstream v1's
#   pkg/models/zstd_dictionary, copied there verbatim).
# Licence: MIT or Apache-2.0, at your choice (Bluesky Social PBC).
#
# Usage: scripts/fetch-jetstream-dict.sh          # downloads it (needs curl and GitHub)
#        scripts/fetch-jetstream-dict.sh FILE     # takes a copy you already have
# Then rebuild the scraper (make build).
set -euo pipefail
dest="$(cd "$(dirname "$0")/.." && pwd)/scraper/internal/source/bluesky/dict/zstd_dictionary"
commit=9a30defd224e9058814a7d6ce8d9e4fc48d5493c
url="https://raw.githubusercontent.com/bluesky-social/jetstream/$commit/internal/subscribe/dictionaries/legacy_subscribe.zdict"
want=b8d77b46933aceecbdd5275a01241efc985c970c78162b8150cf67a26522f70c
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if [ $# -ge 1 ]; then
	cp "$1" "$tmp"
else
	curl -fsSL "$url" -o "$tmp"
fi
got=$(sha256sum "$tmp" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
	echo "not Jetstream's dictionary: sha256 $got, want $want" >&2
	exit 1
fi
cp "$tmp" "$dest"
echo "updated $dest (dictionary ID 1612007021, $(wc -c <"$dest") bytes); rebuild the scraper"
