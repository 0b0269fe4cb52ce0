#!/usr/bin/env bash
# Benchmark: training throughput of the job on local[W] (parameter averaging) vs one process
# fitting the same images on the same cores, measured in one JVM run.
#   bench/spark-scaling.sh [IMAGES=1920] [WORKERS=2] [BATCH=64] [AVG_FREQ=5] [CIFAR_PARENT_DIR]
# Environment: OMP_NUM_THREADS (ND4J threads per process).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
data="$(bench_data "${5:-}")"
java "${JAVA17[@]}" -Xmx6g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.SparkScalingBench "$data" "${1:-1920}" "${2:-2}" "${3:-64}" "${4:-5}" \
  2>&1 | grep -E '^(single|local|scaling)|TrainingJob: epoch'
