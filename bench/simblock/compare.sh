#!/usr/bin/env bash
# Side by side: Nodus's `bitcoin` preset and SimBlock at the same settings (10,000 nodes, 10 blocks of 535 KB, 2019
# regions), each run RUNS times; prints the median and the minimum CPU (user + sys), wall time and peak RSS of each
# configuration, and the median over the rounds of Nodus's run over SimBlock's. The runs are interleaved (round 1 of
# every configuration, then round 2, ...) so that a change in the host's load over the series weighs on every
# configuration alike: on this shared VM identical runs vary up to 1.7x.
# See docs/simblock.md.
#
#   bench/simblock/compare.sh SIMBLOCK_CHECKOUT [OUT_DIR]
#
# Environment: RUNS (3), NODES (10000), BLOCKS (10; several, e.g. "1 10 20", run one series each), CORE_DEFAULTS (1; 0 skips the slow keep-alive configuration), NODUS (the nodus.dll to run; default: builds this checkout's
# Release CLI). Nodus configurations: Bitcoin Core's defaults (compact blocks, keep-alive pings), the same without
# keep-alive (SimBlock models no keep-alive), and whole blocks without keep-alive. SimBlock: whole blocks
# (CBR_USAGE_RATE 0) and compact blocks (CBR_USAGE_RATE 1), default JVM heap.
set -euo pipefail

SIMBLOCK=${1:?usage: compare.sh SIMBLOCK_CHECKOUT [OUT_DIR]}
OUT=${2:-$(mktemp -d /tmp/simblock-compare.XXXXXX)}
RUNS=${RUNS:-3}
NODES=${NODES:-10000}
BLOCKS=${BLOCKS:-10}
CORE_DEFAULTS=${CORE_DEFAULTS:-1}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
if [ -z "${NODUS:-}" ]; then
  dotnet build -c Release "$HERE/src/Nodus.Cli" -v q -nologo > "$OUT/build.txt"
  rm -rf "$OUT/nodus" && cp -r "$HERE/src/Nodus.Cli/bin/Release/net10.0" "$OUT/nodus"
  NODUS="$OUT/nodus/nodus.dll"
fi
# Several block counts (BLOCKS="1 10 20"): one series each, in OUT/blocks-N, with the same build. The two simulators'
# costs are built differently (docs/simblock.md, "Session 6"), so their ratio depends on the run's length.
if [ "$BLOCKS" != "${BLOCKS%% *}" ]; then
  for b in $BLOCKS; do NODUS="$NODUS" BLOCKS=$b "$0" "$SIMBLOCK" "$OUT/blocks-$b" || exit 1; done
  exit 0
fi

# One line per run: name cpu_seconds wall_seconds peak_rss_kb
measure() { # name time.txt
  awk -v name="$1" '/User time/ {u=$4} /System time/ {s=$4} /Maximum resident/ {m=$6}
    /Elapsed/ {n=split($8, p, ":"); w=(n==3 ? p[1]*3600+p[2]*60+p[3] : p[1]*60+p[2])}
    END {printf "%s %.1f %.1f %d\n", name, u+s, w, m}' "$2" >> "$OUT/runs.txt"
}

nodus() { # name round args...
  local name=$1 i=$2; shift 2
  /usr/bin/time -v dotnet "$NODUS" sim --preset bitcoin --nodes "$NODES" --blocks "$BLOCKS" --no-trace \
    --out "$OUT/$name-$i" "$@" > "$OUT/$name-$i.log" 2> "$OUT/$name-$i.time" || { cat "$OUT/$name-$i.time" >&2; exit 1; }
  measure "$name" "$OUT/$name-$i.time"
}

simblock() { # name round cbr_usage_rate
  CBR_USAGE_RATE=$3 NODES=$NODES BLOCKS=$BLOCKS "$HERE/bench/simblock/run.sh" "$SIMBLOCK" "$OUT/$1-$2" > /dev/null 2>&1
  measure "$1" "$OUT/$1-$2/time.txt"
}

: > "$OUT/runs.txt"
uptime > "$OUT/load.txt"
for i in $(seq "$RUNS"); do
  [ "$CORE_DEFAULTS" = 0 ] || nodus nodus-core-defaults "$i"
  nodus nodus-no-keep-alive "$i" --no-keep-alive
  nodus nodus-whole-no-keep-alive "$i" --no-keep-alive --no-compact-blocks
  simblock simblock-whole "$i" 0
  simblock simblock-compact "$i" 1
done
uptime >> "$OUT/load.txt"

echo "$NODES nodes, $BLOCKS blocks, $RUNS interleaved runs: median (minimum) (load: $(head -1 "$OUT/load.txt" | sed 's/.*load/load/'))"
printf "%-28s %14s %14s %12s %10s\n" configuration "CPU s" "wall s" "CPU s/block" "peak GB"
awk -v blocks="$BLOCKS" '
  { cpu[$1] = cpu[$1] " " $2; wall[$1] = wall[$1] " " $3; rss[$1] = rss[$1] " " $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  function sorted(list, a,   k, i, j, t) { k = split(list, a, " ");
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k }
  function median(list,   a, k) { k = sorted(list, a); return a[int((k + 1) / 2)] }
  function minimum(list,   a) { sorted(list, a); return a[1] }
  END { for (i = 1; i <= n; i++) { c = median(cpu[order[i]]);
    printf "%-28s %6.1f (%5.1f) %6.1f (%5.1f) %12.2f %10.2f\n", order[i], c, minimum(cpu[order[i]]),
      median(wall[order[i]]), minimum(wall[order[i]]), c / blocks, median(rss[order[i]]) / 1e6 } }
' "$OUT/runs.txt" | tee "$OUT/summary.txt"
# The host's speed drifts within a series: each round's Nodus run over the SimBlock run minutes apart is steadier.
awk '
  { k = $1 "," (++n[$1]); cpu[k] = $2; wall[k] = $3 }
  function median(list,   a, k, i, j, t) { k = split(list, a, " ");
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((k + 1) / 2)] }
  function pair(label, ours, theirs,   i, c, w) { c = ""; w = "";
    for (i = 1; i <= n[ours] && i <= n[theirs]; i++) { c = c " " cpu[ours "," i] / cpu[theirs "," i]; w = w " " wall[ours "," i] / wall[theirs "," i] }
    if (c != "") printf "%-28s CPU %.2fx  wall %.2fx (median of the rounds)\n", label, median(c), median(w) }
  END { pair("whole: Nodus / SimBlock", "nodus-whole-no-keep-alive", "simblock-whole");
        pair("compact: Nodus / SimBlock", "nodus-no-keep-alive", "simblock-compact") }
' "$OUT/runs.txt" | tee -a "$OUT/summary.txt"
echo "runs and logs in $OUT" >&2
