#!/usr/bin/env bash
# The demo: a synthetic stream served on loopback, clustered and mapped by the
# analyzer. Stops by itself; leaves windows.ndjson and maps in out/.
set -euo pipefail
cd "$(dirname "$0")/.."
ADDR="${DEMO_ADDR:-127.0.0.1:9999}"
OUT="${DEMO_OUT:-out}"
mkdir -p "$OUT"
# Twenty minutes of event time at 100 tweets/s, sent as fast as the analyzer reads.
./bin/scraper synth --count 120000 --rate 100 --speed 0 --seed 42 --listen "$ADDR" --log-level warn &
scraper=$!
trap 'kill $scraper 2>/dev/null || true' EXIT
./bin/analyzer run --connect "$ADDR" --clock event --once --out "$OUT" --log-level warn "$@"
wait $scraper
echo "demo: $(wc -l < "$OUT/windows.ndjson") windows in $OUT/windows.ndjson"
if [ -f "$OUT/latest.png" ]; then echo "demo: newest map in $OUT/latest.png"; fi
