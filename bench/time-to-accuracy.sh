#!/usr/bin/env bash
# Benchmark: time to a given accuracy. Runs the train command once per seed, one after the other,
# each as a user runs it (submit/run-local.sh: a fresh JVM, embedded Spark, the data loaded), and
# reports each epoch's val_accuracy with the seconds from the command's start to that epoch's
# end_time; then per target the first epoch reaching it, per seed and as a mean.
#   bench/time-to-accuracy.sh RECIPE "SEEDS" "TARGETS" [train options...]
#   bench/time-to-accuracy.sh default "42 7 1" "0.90"                    the default command
#   bench/time-to-accuracy.sh tuned "42 7 1" "0.90" --validation-fraction 0.2 --epochs 2
# Data: target/cifar10 (prepared from ../shared if absent), or DATA=DIR. Runs go to
# target/bench-time-to-accuracy/RECIPE (replaced); checkpoints and models are deleted after each run.
# Measure on an idle machine: the times are wall-clock.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
recipe="$1"; seeds="$2"; targets="$3"; shift 3
data="$(bench_data "${DATA:-}")"
bench_job_jar
out="$root/target/bench-time-to-accuracy/$recipe"
rm -rf "$out"; mkdir -p "$out"
starts="$out/starts.txt"
for seed in $seeds; do
  id="$recipe-s$seed"
  start=$(date +%s.%N)
  "$root/submit/run-local.sh" --data "$data" --output "$out" --run-id "$id" --seed "$seed" "$@" > "$out/$id.log" 2>&1 \
    || { echo "time-to-accuracy: run $id failed (log: $out/$id.log)" >&2; tail -3 "$out/$id.log" >&2; exit 1; }
  echo "$id $seed $start" >> "$starts"
  rm -rf "$out/checkpoints" "$out/model"
done
echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; options: $*"
# shellcheck disable=SC2086
java "${JAVA17[@]}" -Xmx2g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" -cp "$BENCH_CP" \
  io.github.sparkresnet.bench.TimeToAccuracyReport "$out" "$starts" "$recipe" $targets 2>&1 \
  | grep -E '^(epoch|time_to|final_mean) '
