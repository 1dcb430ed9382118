#!/usr/bin/env bash
# Rebuilds the tokenizer's stop word file from stopwords-iso, a maintained
# collection of stop word lists for many languages, published on npm. Needs npm
# and Go. Source:
#   stopwords-iso 1.1.0 (MIT, https://github.com/stopwords-iso/stopwords-iso)
# The generator keeps the twenty languages the tokenizer knows, folds the words
# as the tokenizer does, and takes out the content words its own tables name
# (analyzer/internal/text/internal/gen/words.go).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/analyzer/internal/text"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent stopwords-iso@1.1.0 >/dev/null
mkdir -p stopwords-iso
tar xzf stopwords-iso-1.1.0.tgz -C stopwords-iso --strip-components=1
cd "$root/analyzer"
go run ./internal/text/internal/gen -src "$tmp/stopwords-iso/stopwords-iso.json" -version 1.1.0 -out "$dest/stopwords.txt"
echo "updated $dest/stopwords.txt"
