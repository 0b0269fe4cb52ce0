#!/usr/bin/env bash
# Repeated executor loss on a real Spark standalone cluster on 127.0.0.1 (a Master and two 1-core
# Workers, started and stopped by the bench): the same run undisturbed, then with a random executor
# killed (SIGKILL) every INTERVAL seconds from the middle of epoch 1 on, once per recovery in
# RECOVERIES, side by side: round (the default: a loss costs the round it hit) and epoch (no copy of
# the averaged state, spark.sparkresnet.stateCopies=1: a loss costs the epoch); alone kills one executor
# and its Worker, so the run trains on without a replacement (the Worker is started again for the next
# run), and calm1 adds the undisturbed run on one executor to compare it with; a kind may add Spark
# settings after a + (alone+spark.sparkresnet.driverCopyShare=1). Prints every kill, the driver's event lines,
# the runs' epoch times, rounds redone and the time from each failure to the round fitted again, epoch
# restarts and the training time each kill cost on average. PLACEMENT pinned binds each Worker and its
# executors to a CPU of their own (taskset), as on hosts of their own: a replacement starts on the CPU
# the lost executor left, not on the survivor's; shared (the default) lets every process use every CPU.
# TRAIN_OPTIONS replaces the runs' minibatch and averaging options (default: many short rounds,
# "--batch-size-per-worker 32 --averaging-frequency 2"; the default recipe's rounds:
# "--batch-size-per-worker 64 --averaging-frequency 10"). Builds the job jar.
#   bench/chaos.sh [IMAGES=1024] [EPOCHS=3] [INTERVAL=45] [SEED=1] [CIFAR_PARENT_DIR] [RECOVERIES="epoch round"] [PLACEMENT=shared] [TRAIN_OPTIONS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
bench_job_jar
data="$(bench_data "${5:-}")/cifar-10-batches-bin"
java "${JAVA17[@]}" -Xmx1g -Dproject.basedir="$root" -Dlog4j2.configurationFile="$root/conf/log4j2.properties" -Dchaos.placement="${7:-shared}" \
  ${8:+"-Dchaos.trainOptions=$8"} \
  -cp "$BENCH_CP" io.github.sparkresnet.bench.ChaosBench "$data" "${1:-1024}" "${2:-3}" "${3:-45}" "${4:-1}" ${6:-epoch round} \
  2>&1 | grep -E '^chaos|Exception in thread'
