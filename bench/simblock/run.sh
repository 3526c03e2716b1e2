#!/usr/bin/env bash
# Runs SimBlock (https://github.com/dsg-titech/simblock) configured like Nodus's `bitcoin` preset, under
# /usr/bin/time -v, and summarises its block propagation output. See docs/simblock.md.
#
#   bench/simblock/run.sh SIMBLOCK_CHECKOUT [OUT_DIR]
#
# Environment: NODES (10000), BLOCKS (10; SimBlock's END_BLOCK_HEIGHT), BLOCK_SIZE (535000 bytes),
# INTERVAL_MS (600000), CBR_USAGE_RATE (0: every node uses the legacy inv/getdata/block exchange, no compact
# blocks), JAVA_OPTS (extra JVM flags, e.g. -Xmx2g; empty = the JVM's defaults).
#
# The checkout is not modified: its simulator sources are copied to OUT_DIR/src, the constants above are set there
# with sed, and the copy is compiled with plain javac (SimBlock needs only the JDK).
set -euo pipefail

SIMBLOCK=${1:?usage: run.sh SIMBLOCK_CHECKOUT [OUT_DIR]}
OUT=${2:-$(mktemp -d /tmp/simblock-run.XXXXXX)}
NODES=${NODES:-10000}
BLOCKS=${BLOCKS:-10}
BLOCK_SIZE=${BLOCK_SIZE:-535000}
INTERVAL_MS=${INTERVAL_MS:-600000}
CBR_USAGE_RATE=${CBR_USAGE_RATE:-0}
JAVA_OPTS=${JAVA_OPTS:-}

SRC="$SIMBLOCK/simulator/src"
[ -d "$SRC/main/java/simblock" ] || { echo "no $SRC/main/java/simblock: not a SimBlock checkout" >&2; exit 2; }
mkdir -p "$OUT"
rm -rf "$OUT/src" "$OUT/classes"
cp -r "$SRC" "$OUT/src"

# Set one `public static final ... NAME = value;` constant; fail if the checkout has no such line.
set_constant() {
  local file=$1 name=$2 value=$3
  grep -Eq "^[[:space:]]*public static final [][A-Za-z]+ $name = " "$file" \
    || { echo "$name not found in $file (another SimBlock version?)" >&2; exit 3; }
  sed -i -E "s|^([[:space:]]*public static final [][A-Za-z]+ $name = )[^;]*;|\1$value;|" "$file"
}
CONF="$OUT/src/main/java/simblock/settings/SimulationConfiguration.java"
NET="$OUT/src/main/java/simblock/settings/NetworkConfiguration.java"
set_constant "$CONF" NUM_OF_NODES "$NODES"
set_constant "$CONF" END_BLOCK_HEIGHT "$BLOCKS"
set_constant "$CONF" BLOCK_SIZE "$BLOCK_SIZE"
set_constant "$CONF" INTERVAL "$INTERVAL_MS"
set_constant "$CONF" ALGO '"simblock.node.consensus.ProofOfWork"'
set_constant "$CONF" TABLE '"simblock.node.routing.BitcoinCoreTable"'
if grep -q "CBR_USAGE_RATE" "$CONF"; then set_constant "$CONF" CBR_USAGE_RATE "${CBR_USAGE_RATE}f"; fi
# The 2019 measurements (latency, bandwidth, node share per region) and the 2015 outbound-degree
# distribution (Miller et al.) are SimBlock's defaults; set them explicitly so a changed default shows up.
set_constant "$NET" LATENCY LATENCY_2019
set_constant "$NET" DOWNLOAD_BANDWIDTH DOWNLOAD_BANDWIDTH_2019
set_constant "$NET" UPLOAD_BANDWIDTH UPLOAD_BANDWIDTH_2019
set_constant "$NET" REGION_DISTRIBUTION REGION_DISTRIBUTION_BITCOIN_2019
set_constant "$NET" DEGREE_DISTRIBUTION DEGREE_DISTRIBUTION_BITCOIN_2015
grep -E "public static final [][A-Za-z]+ (NUM_OF_NODES|END_BLOCK_HEIGHT|BLOCK_SIZE|INTERVAL|CBR_USAGE_RATE) " "$CONF" \
  > "$OUT/settings.txt"

mkdir -p "$OUT/classes" "$OUT/src/dist/conf" "$OUT/src/dist/output/graph"
[ -f "$OUT/src/dist/conf/simulator.conf" ] || echo "# Do not remove this file." > "$OUT/src/dist/conf/simulator.conf"
javac -encoding UTF-8 -d "$OUT/classes" $(find "$OUT/src/main/java" -name '*.java')

echo "running SimBlock: $NODES nodes, $BLOCKS blocks of $BLOCK_SIZE bytes, CBR usage $CBR_USAGE_RATE, JAVA_OPTS='$JAVA_OPTS'" >&2
uptime > "$OUT/load.txt"
# SimBlock finds simulator.conf on the class path and writes its output next to it (../output/).
/usr/bin/time -v java -Dfile.encoding=UTF-8 $JAVA_OPTS -cp "$OUT/classes:$OUT/src/dist/conf" simblock.simulator.Main \
  > "$OUT/stdout.txt" 2> "$OUT/time.txt"
uptime >> "$OUT/load.txt"

# SimBlock prints, per block, "<block>:<height>" then "<node id>,<ms after the block was mined>" per node that
# accepted it (the miner first, at 0 ms). Skip the genesis block and the miner's own entry.
python3 - "$OUT/stdout.txt" "$NODES" > "$OUT/summary.txt" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
nodes = int(sys.argv[2])
blocks, cur = [], None
for line in lines:
    if "@" in line and ":" in line and "," not in line:
        height = int(line.rsplit(":", 1)[1])
        cur = [] if height > 0 else None
        if cur is not None:
            blocks.append(cur)
    elif line == "":
        cur = None
    elif cur is not None and "," in line:
        cur.append(int(line.split(",")[1]))

def pct(sorted_values, q):  # nearest rank
    return sorted_values[max(0, -(-len(sorted_values) * q // 100) - 1)]

pooled = sorted(t for b in blocks for t in b[1:])
print(f"blocks: {len(blocks)}; arrivals (excluding the miner): {len(pooled)}")
print(f"pooled arrival delay: median {pct(pooled, 50) / 1000:.2f} s, p90 {pct(pooled, 90) / 1000:.2f} s, max {pooled[-1] / 1000:.2f} s")
t50 = sorted(sorted(b)[nodes // 2 - 1] for b in blocks if len(b) >= nodes // 2)
t90 = sorted(sorted(b)[nodes * 9 // 10 - 1] for b in blocks if len(b) >= nodes * 9 // 10)
if t50: print(f"per block, time to 50% of nodes: median {pct(t50, 50) / 1000:.2f} s")
if t90: print(f"per block, time to 90% of nodes: median {pct(t90, 50) / 1000:.2f} s")
print("nodes reached per block: " + " ".join(str(len(b)) for b in blocks))
PY
grep -E "Elapsed|User time|System time|Maximum resident" "$OUT/time.txt" >> "$OUT/summary.txt"
echo "SimBlock's own timer (ms, from main() start): $(grep -E '^[0-9]+$' "$OUT/stdout.txt" | tail -1)" >> "$OUT/summary.txt"
cat "$OUT/load.txt" "$OUT/summary.txt"
echo "output in $OUT" >&2
