#!/usr/bin/env bash
# Benchmark: ResNet34 training and inference img/s in one JVM, batch 64 of 32x32 (random data,
# 3 warm-up + 20 timed steps, as the PyTorch reference's `bench` mode). Builds if needed.
#   bench/train-throughput.sh [stem=IMAGENET|CIFAR] [format=NCHW|NHWC] [workspaces=ENABLED|NONE] [cache=NONE|HOST|DEVICE] [bnhelpers=true|false] [replicas=N threads=T]
# Environment: OMP_NUM_THREADS, JAVA_OPTS (e.g. -Dsparkresnet.helpers.off=true for DL4J's built-in path).
# Last line: train_img_per_s=X infer_img_per_s=Y
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
# shellcheck disable=SC2086
java "${JAVA17[@]}" -Xmx4g ${JAVA_OPTS:-} -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.TrainThroughputBench "$@" 2>&1 | grep -E '^(config|train_img_per_s)'
