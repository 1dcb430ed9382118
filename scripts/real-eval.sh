#!/usr/bin/env bash
# real-eval.sh DIR: build the mixed real-tweet windows of docs/real-eval.md
# from the captures in DIR/captures (not part of this repository: they are
# other people's tweets) and score the models on them with analyzer eval.
# Prints one line per configuration: the means over windows and over
# --seed 1..3 of homogeneity, completeness, ARI and the largest cluster's
# share of a window (mean and worst).
set -euo pipefail
dir=${1:?usage: real-eval.sh DIR (with DIR/captures/*.jsonl)}
root=$(cd "$(dirname "$0")/.." && pwd)
A=${ANALYZER:-$root/bin/analyzer}
c=$dir/captures
mix="$c/us-election-2016.jsonl $c/us-guncontrol-2018.jsonl $c/us-geo-2019-11-19.jsonl $c/sf-bay-geo-2015-11-20.jsonl
  $c/nyc-geo-2016.jsonl $c/boulder-search-2017-11.jsonl $c/leeds-stream-2014-04.jsonl $c/world-sample-2013-08-10.jsonl"
if [ ! -s "$dir/mixed-v1.jsonl" ]; then
  # shellcheck disable=SC2086
  python3 "$root/scripts/mix-captures.py" --span 600 --located-only --even --max-per-capture 1000 \
    --out "$dir/mixed-v1.jsonl" --labels "$dir/mixed-v1.labels.tsv" $mix
fi
if [ ! -s "$dir/mixed-v1-full.jsonl" ]; then
  # shellcheck disable=SC2086
  python3 "$root/scripts/mix-captures.py" --span 600 --located-only --even \
    --out "$dir/mixed-v1-full.jsonl" --labels "$dir/mixed-v1-full.labels.tsv" $mix
fi
score() { # set flags...
  local set=$1; shift
  for s in 1 2 3; do
    "$A" eval --input "$dir/$set.jsonl" --labels "$dir/$set.labels.tsv" --ignore-label "" --quiet --seed "$s" "$@" 2>/dev/null | head -1
  done | sed -E 's/.*ARI ([-0-9.]+).*homogeneity ([0-9.]+).*completeness ([0-9.]+).*largest ([0-9.]+) \(max ([0-9.]+)\).*/\1 \2 \3 \4 \5/' |
    awk '{a+=$1; h+=$2; c+=$3; l+=$4; if ($5>m) m=$5} END {printf "H %.2f  C %.2f  ARI %.2f  largest %.2f (max %.2f)", h/NR, c/NR, a/NR, l/NR, m}'
}
configs=(
  ""
  "--kmeans spark"
  "--profile seed"
  "--baseline lloyd"
  "--idf"
  "--vector-weight 0.5"
  "--vector-weight 1"
  "--geo-weight 1"
  "--geo-weight 4"
  "--hashtag-weight 1"
  "--iterations 1"
  "--kmeans spark --idf=false"
)
extra=${EXTRA_CONFIGS:-}
[ -n "$extra" ] && IFS=';' read -r -a more <<<"$extra" && configs+=("${more[@]}")
for cfg in "${configs[@]}"; do
  # shellcheck disable=SC2086
  printf '%-28s mixed-v1: %s   full: %s\n' "${cfg:-(defaults)}" "$(score mixed-v1 $cfg)" "$(score mixed-v1-full $cfg)"
done
