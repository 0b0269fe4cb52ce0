#!/usr/bin/env bash
# Benchmark: seconds to load all of CIFAR-10 into a DataFrame, filter airplane/bird and
# materialize the shuffled DataSet minibatches on local[2] (JVM and Spark start-up excluded).
#   bench/data-pipeline.sh [CIFAR_PARENT_DIR]   (default: target/cifar10, prepared from ../shared if absent)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
data="$(bench_data "${1:-}")"
java "${JAVA17[@]}" -Xmx4g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.DataPipelineBench "$data" 4
