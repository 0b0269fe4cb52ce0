#!/usr/bin/env bash
# What an averaging round costs across hosts, against docs/clusters.md's model: for each number of
# hosts W, bench/hosts.sh makes W hosts (one 1-core executor each) and, for each link rate, measures
# the rate a TCP transfer between two hosts achieves, then trains the same small-compute run (batch
# BATCH, averaging every minibatch, ROUNDS rounds an epoch, 2 epochs) with each --averaging kind,
# one after the other in the same bed. Epoch 2 is measured (replicas built): its training seconds per
# round less the fitting the workers did (the all-reduce run's own count) is what a round costs
# beyond its compute, the epoch's own costs included (laying out its minibatches; with the all-reduce,
# the driver gathering the state at its end); for the all-reduce also the round's parts as the job
# counts them (loading the state, the fit job beyond its slowest task, the averaging job), and their
# sum beside the model's figure for the achieved rate.
# Needs root (network namespaces); removes its hosts on exit.
# KINDS: allreduce (the whole state), allreduce:parameters (--averaged parameters: the round moves P_p,
# the parameters, a third of P) and driver.
#   bench/network-scaling.sh [HOSTS="2 4 8"] [RATES="1gbit 10gbit"] [DELAY=0ms] [BATCH=8] [ROUNDS=4] [CIFAR_PARENT_DIR] [KINDS="allreduce allreduce:parameters driver"]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
bench_job_jar
data="$(bench_data "${6:-}")/cifar-10-batches-bin"
hosts_list="${1:-2 4 8}"
rates="${2:-1gbit 10gbit}"
delay="${3:-0ms}"
batch="${4:-8}"
rounds="${5:-4}"
kinds="${7:-allreduce allreduce:parameters driver}"
export HOSTS_PREFIX=srnb HOSTS_SUBNET=10.213.2 HOSTS_DIR="$root/target/network-scaling/hosts" WORKER_MEMORY=2g
work="$root/target/network-scaling"
mkdir -p "$work"
hosts="$root/bench/hosts.sh"
server=""
cleanup() {
  [ -z "$server" ] || ip netns exec "${HOSTS_PREFIX}1" kill "$server" 2> /dev/null || true
  "$hosts" down > /dev/null 2>&1 || true
}
trap cleanup EXIT

# The rate one TCP stream achieves from host 1 to host 2 (out of one shaped link, into the other), in
# Gbit/s: curl fetches a file of about 2 s at RATE from a python3 web server on host 1.
achieved() {
  local bits mb file
  bits="$(awk -v r="$1" 'BEGIN { n = r + 0; u = tolower(substr(r, length(n "") + 1)); printf "%.0f", n * (u == "gbit" ? 1e9 : 1e6) }')"
  mb=$(( bits / 4000000 ))
  file="$work/transfer.bin"
  truncate -s "${mb}M" "$file"
  ip netns exec "${HOSTS_PREFIX}1" python3 -m http.server 8099 --bind "$HOSTS_SUBNET.2" --directory "$work" \
    > /dev/null 2>&1 &
  server=$!
  sleep 1
  local speed
  speed="$(ip netns exec "${HOSTS_PREFIX}2" curl -s --max-time 60 -o /dev/null -w '%{speed_download}' \
    "http://$HOSTS_SUBNET.2:8099/transfer.bin")"
  kill "$server" 2> /dev/null || true
  server=""
  rm -f "$file"
  awk -v s="$speed" 'BEGIN { printf "%.2f", s * 8 / 1e9 }'
}

# One run; prints epoch 2's training seconds, then (all-reduce) per worker and round: seconds loading
# the state, fitting, publishing, the fit job beyond its slowest task, the averaging job, and MB over
# the network.
run() {
  local w="$1" kind="$2" id out log averaged=state
  [[ "$kind" != *:parameters ]] || averaged=parameters
  kind="${kind%%:*}"
  id="w$w-$kind-$averaged-$(date +%s)"
  out="$work/out"
  log="$work/$id.log"
  bash "$root/submit/standalone.sh" --master "spark://$HOSTS_SUBNET.1:7077" --driver-host "$HOSTS_SUBNET.1" \
    --executors "$w" --executor-cores 1 --executor-memory 1500m --executor-offheap 3g --driver-memory 3g \
    train --data "$data" --output "$out" --run-id "$id" --epochs 2 --limit-train $(( w * batch * rounds )) \
    --limit-test 100 --batch-size-per-worker "$batch" --averaging-frequency 1 --averaging "$kind" --averaged "$averaged" \
    --progress-seconds 600 > "$log" 2>&1 || { echo "network_scaling: run $id failed; see $log" >&2; return 1; }
  local seconds parts
  seconds="$(sed -n 's/.*epoch 2\/2: .* images in \([0-9.]*\) s = .*/\1/p' "$log")"
  parts="$(sed -n 's/.*epoch 2: all-reduce: .* \([0-9.]*\) s loading the state, \([0-9.]*\) s fitting, \([0-9.]*\) s publishing; fit jobs \([0-9.]*\) s a round beyond .*averaging jobs \([0-9.]*\) s a round .* \([0-9]*\) MB over the network.*/\1 \2 \3 \4 \5 \6/p' "$log")"
  echo "${seconds:-nan} ${parts:-nan nan nan nan nan nan}"
}

for w in $hosts_list; do
  first="$(echo "$rates" | awk '{print $1}')"
  "$hosts" up "$w" "$first" "$delay"
  for rate in $rates; do
    "$hosts" shape "$rate" "$delay"
    gbit="$(achieved "$rate")"
    fit=nan
    for kind in $kinds; do
      read -r seconds load fit_kind publish fit_job average net < <(run "$w" "$kind")
      [ "$kind" != allreduce ] || fit="$fit_kind"
      moved=255.5e6
      [ "$kind" != allreduce:parameters ] || moved=85.2e6
      # docs/clusters.md: T_round - compute = 2 t_job + t_mem + 2 P (W-1)/(W B) + 2 (W-1) t_fetch,
      # t_job 0.02 s, t_mem 0.1 s, t_fetch 1 ms, P = 255.5 MB (P_p = 85.2 MB), B the achieved rate
      awk -v w="$w" -v rate="$rate" -v g="$gbit" -v kind="$kind" -v s="$seconds" -v r="$rounds" -v f="$fit" \
          -v load="$load" -v publish="$publish" -v fitjob="$fit_job" -v avg="$average" -v net="$net" \
          -v delay="$delay" -v moved="$moved" 'BEGIN {
        per = s / r
        printf "network_scaling W=%d rate=%s delay=%s achieved=%.2fGbit/s averaging=%s epoch_round=%.2fs fit=%.2fs epoch_overhead=%.2fs", w, rate, delay, g, kind, per, f, per - f
        if (kind != "driver") {
          model = 2 * 0.02 + 0.1 + 2 * moved * (w - 1) / (w * g * 1e9 / 8) + 2 * (w - 1) * 0.001
          round = load + publish + fitjob + avg
          printf " load=%.2fs fit_job_extra=%.2fs averaging_job=%.2fs round_overhead=%.2fs over_network=%sMB model=%.2fs measured/model=%.2f", load, fitjob, avg, round, net, model, round / model
        }
        printf "\n" }'
    done
  done
  "$hosts" down
done
