#!/usr/bin/env bash
# What one parameter-averaging round costs on local[W] beyond its compute, for each W and each
# --averaging kind, in one JVM run: one epoch on the same images at two averaging frequencies,
# (time difference)/(round difference).
#   bench/round-cost.sh [IMAGES=1280] [BATCH=32] [FREQ_MANY=2] [FREQ_FEW=20] [CIFAR_PARENT_DIR] [WORKERS="1 2 4"] [AVERAGING=driver,allreduce]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
data="$(bench_data "${5:-}")"
# shellcheck disable=SC2086
java "${JAVA17[@]}" -Xmx8g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.RoundCostBench "$data" "${1:-1280}" "${2:-32}" "${3:-2}" "${4:-20}" \
  "${7:-driver,allreduce}" ${6:-1 2 4} \
  2>&1 | grep -E '^round_cost|all-reduce:'
