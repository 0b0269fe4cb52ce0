#!/usr/bin/env bash
# Scaling on a real Spark standalone cluster on 127.0.0.1 (a Master and two 1-core Workers, started and
# stopped by the bench), for each --averaging kind: one training epoch on a subset with 1 executor vs
# 2 executors (speed-up), and the cost of one averaging round (2 executors at two averaging
# frequencies). Jobs go through submit/standalone.sh. Builds the job jar if needed.
#   bench/cluster-scaling.sh [IMAGES=1280] [BATCH=32] [FREQ=5] [FREQ_FEW_ROUNDS=20] [CIFAR_PARENT_DIR] [AVERAGING=driver,allreduce] [KEY=VALUE...]
# (AVERAGING: kinds to compare, each optionally with settings of its own: allreduce+spark.sparkresnet.stateCopies=1)
# (KEY=VALUE: extra Spark settings for every submission)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
bench_job_jar
data="$(bench_data "${5:-}")/cifar-10-batches-bin"
java "${JAVA17[@]}" -Xmx1g -Dproject.basedir="$root" -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.ClusterScalingBench "$data" "${1:-1280}" "${2:-32}" "${3:-5}" "${4:-20}" \
  "${6:-driver,allreduce}" "${@:7}" \
  2>&1 | grep -E '^cluster|TrainingJob: (epoch|run)|all-reduce:'
