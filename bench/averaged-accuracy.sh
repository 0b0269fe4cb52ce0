#!/usr/bin/env bash
# Accuracy of the default run with each --averaged setting, seed by seed, one run after the other:
# the default command (embedded Spark, local[*]) with --averaged state, then --averaged parameters.
# Prints each run's accuracy after every epoch and its training seconds.
#   bench/averaged-accuracy.sh [SEEDS="42 7 1"] [SETTINGS="state parameters"] [CIFAR_PARENT_DIR] [EXTRA train options...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
data="$(bench_data "${3:-}")"
work="$root/target/averaged-accuracy"
mkdir -p "$work"
for seed in ${1:-42 7 1}; do
  for averaged in ${2:-state parameters}; do
    id="seed$seed-$averaged-$(date +%s)"
    "$root/submit/run-local.sh" --data "$data" --output "$work/out" --run-id "$id" --seed "$seed" \
      --averaged "$averaged" "${@:4}" > "$work/$id.log" 2>&1 || { echo "averaged_accuracy: $id failed; see $work/$id.log" >&2; exit 1; }
    accuracies="$(sed -n 's/.*epoch [0-9]*\/[0-9]*: .* val_accuracy=\([0-9.]*\) .*/\1/p' "$work/$id.log" | tr '\n' ' ')"
    seconds="$(sed -n 's/.* images in \([0-9.]*\) s = .*/\1/p' "$work/$id.log" | awk '{ s += $1 } END { printf "%.1f", s }')"
    echo "averaged_accuracy seed=$seed averaged=$averaged val_accuracy_by_epoch=[ ${accuracies}] train_seconds=$seconds"
  done
done
