#!/usr/bin/env bash
# The demo: a synthetic stream served on loopback, clustered and mapped by the
# analyzer. Stops by itself; leaves windows.ndjson and maps in out/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${DEMO_OUT:-out}"
BIN="${DEMO_BIN:-./bin}"         # where the binaries are (tests point it elsewhere)
COUNT="${DEMO_COUNT:-120000}"
mkdir -p "$OUT"
log="$(mktemp)"
trap 'kill $scraper 2>/dev/null || true; rm -f "$log"' EXIT
# Twenty minutes of event time at 100 tweets/s, sent as fast as the analyzer
# reads, on a free loopback port the scraper picks.
"$BIN/scraper" synth --count "$COUNT" --rate 100 --speed 0 --seed 42 --listen 127.0.0.1:0 \
  --log-format json --stats-interval 0 2>"$log" &
scraper=$!
addr=""
for _ in $(seq 1 100); do
  addr=$(sed -n 's/.*"msg":"serving","addr":"\([^"]*\)".*/\1/p' "$log" | head -n 1)
  [ -n "$addr" ] && break
  if ! kill -0 "$scraper" 2>/dev/null; then cat "$log" >&2; exit 1; fi
  sleep 0.1
done
if [ -z "$addr" ]; then echo "demo: the scraper did not start" >&2; cat "$log" >&2; exit 1; fi
# The scraper says it generates a finite stream: the analyzer batches it by
# its own times and stops at its end, with no flags for it.
"$BIN/analyzer" run --connect "$addr" --out "$OUT" --log-level warn "$@"
wait $scraper
echo "demo: $(wc -l < "$OUT/windows.ndjson") windows in $OUT/windows.ndjson"
if [ -f "$OUT/latest.png" ]; then echo "demo: newest map in $OUT/latest.png"; fi
