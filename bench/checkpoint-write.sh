#!/usr/bin/env bash
# Benchmark: what writing one epoch's checkpoint costs the driver, DL4J's deflated zip against the
# stored one the job writes (its float arrays copied in bulk) and the same stored zip with ND4J's
# value-by-value array writer, side by side on a trained network (a checkpoint of a real run), and
# what reading each back costs.
#   bench/checkpoint-write.sh CHECKPOINT_ZIP [REPEATS=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -f "${1:-}" ] || { echo "error: CHECKPOINT_ZIP: expected a checkpoint of a run (OUTPUT/checkpoints/RUN/epoch-N.zip), found '${1:-}'" >&2; exit 2; }
source "$root/bench/classpath.sh"
java "${JAVA17[@]}" -Xmx6g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.CheckpointWriteBench "$1" "${2:-3}"
