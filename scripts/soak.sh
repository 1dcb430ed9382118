#!/usr/bin/env bash
# Soak: synthetic tweets at SOAK_RATE/s (event time, real pace) into the
# analyzer (wall clock, maps on) for SOAK_MINUTES. Prints RSS and goroutines
# of both processes every minute and fails if the analyzer's RSS after the
# warm-up (the first two minutes: a full window, then the garbage
# collector's headroom) drifts by more than 10%, or its goroutines grow.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${SOAK_MINUTES:-5}"
[ "$MINUTES" -ge 3 ] || { echo "SOAK_MINUTES must be at least 3" >&2; exit 2; }
RATE="${SOAK_RATE:-20000}"
OUT="$(mktemp -d)"
trap 'kill $scr $an 2>/dev/null || true; wait 2>/dev/null; rm -rf "$OUT"' EXIT
./bin/scraper synth --rate "$RATE" --speed 1 --listen 127.0.0.1:9990 --wait-clients 1 \
  --metrics-addr 127.0.0.1:9190 --log-level warn &
scr=$!
./bin/analyzer run --connect 127.0.0.1:9990 --out "$OUT" --keep 5 --metrics-addr 127.0.0.1:9191 --log-level warn &
an=$!
metric() { curl -s "http://$1/metrics" | awk -v n="$2" '$1==n {print $2}'; }
printf '%-6s %14s %10s %14s %10s %12s %10s\n' minute analyzer_rss goroutines scraper_rss goroutines tweets dropped
first=""; first_g=""
for m in $(seq 1 "$MINUTES"); do
  sleep 60
  a_rss=$(metric 127.0.0.1:9191 geostream_analyzer_rss_bytes); a_g=$(metric 127.0.0.1:9191 geostream_analyzer_goroutines)
  s_rss=$(metric 127.0.0.1:9190 geostream_scraper_rss_bytes); s_g=$(metric 127.0.0.1:9190 geostream_scraper_goroutines)
  tw=$(metric 127.0.0.1:9191 geostream_analyzer_tweets_total); dr=$(metric 127.0.0.1:9190 geostream_scraper_dropped_total)
  printf '%-6s %14.0f %10s %14.0f %10s %12.0f %10.0f\n' "$m" "$a_rss" "$a_g" "$s_rss" "$s_g" "$tw" "$dr"
  if [ "$m" -eq 2 ]; then first=$a_rss; first_g=$a_g; fi
done
last=$a_rss
awk -v f="$first" -v l="$last" -v fg="$first_g" -v lg="$a_g" 'BEGIN {
  d = (l - f) / f * 100
  printf "analyzer RSS after warm-up: %.0f -> %.0f bytes (%+.1f%%); goroutines %d -> %d\n", f, l, d, fg, lg
  if (d > 10 || d < -10 || lg > fg + 2) { print "soak: FAIL"; exit 1 } else print "soak: ok"
}'
