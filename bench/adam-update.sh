#!/usr/bin/env bash
# Benchmark: Adam's update of one ResNet34 training step on one thread, DL4J's native op against
# JavaAdamUpdater, alternated, with a subtraction over the parameters as the memory traffic's yardstick.
#   bench/adam-update.sh [ROUNDS=3] [REPS=10]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
# shellcheck disable=SC2086
java "${JAVA17[@]}" -Xmx4g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.AdamUpdateBench "$@" 2>&1 | grep -E '^(parameters|round)'
