#!/usr/bin/env bash
# Benchmark: the airplane/bird pair as PNG files (train --images) against CIFAR-10's binary files
# (train --data), side by side in one run: (1) seconds to load each as a run's plan does (read, select
# the pair, cache, count, check decoding), alternating, on local[2]; (2) the default command on each,
# same seed: every epoch's val_accuracy and the wall time.
#   bench/image-folder.sh [CIFAR_PARENT_DIR] [EPOCHS]   (default: target/cifar10, 5)
# The PNG folder is written once under target/bench-image-folder/png (12,000 files, ~28 MB).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
data="$(bench_data "${1:-}")"
epochs="${2:-5}"
work="$root/target/bench-image-folder"
mkdir -p "$work"
java "${JAVA17[@]}" -Xmx4g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.ImageFolderBench "$data" "$work/png" 3 2>&1 | grep -E "^(run|image_folder|wrote)"
bench_job_jar
for kind in data images; do
  out="$work/runs-$kind"
  rm -rf "$out"
  if [ "$kind" = data ]; then source_args=(--data "$data"); else source_args=(--images "$work/png"); fi
  start=$(date +%s.%N)
  "$root/submit/run-local.sh" "${source_args[@]}" --output "$out" --run-id "$kind" --epochs "$epochs" \
    > "$work/$kind.log" 2>&1
  end=$(date +%s.%N)
  grep -oE "epoch [0-9]+/[0-9]+: .*val_accuracy=[0-9.]+" "$work/$kind.log" | sed "s/^/$kind: /" \
    | sed -E 's/train_loss=[^ ]+ //'
  printf 'image_folder_train source=%s wall_s=%.1f\n' "$kind" "$(echo "$end - $start" | bc)"
  rm -rf "$out/checkpoints" "$out/model"
done
