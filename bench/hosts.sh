#!/usr/bin/env bash
# A Spark standalone cluster of N hosts on one machine: each host a Linux network namespace with an
# address of its own on a private bridge, its link shaped like a real network (rate and latency, both
# directions), a Master on the bridge's address and one Worker per host (its executors run inside
# that host). A driver on this machine reaches the executors through the bridge's address, as a
# driver on a multi-homed host would. Needs root (network namespaces); makes nothing outside them
# but the bridge, and `down` removes all of it.
#
#   bench/hosts.sh up N [RATE=1gbit] [DELAY=0ms]   N hosts; RATE per link and direction (tc units:
#                                   500mbit, 1gbit, 10gbit, or none), DELAY one way between two hosts
#                                   (needs the kernel's netem; the links' own latency is ~0.02 ms)
#   bench/hosts.sh shape RATE DELAY  reshape every link of the running hosts
#   bench/hosts.sh env               MASTER=spark://..., DRIVER_HOST=..., HOSTS=N (for eval or source)
#   bench/hosts.sh traffic           bytes each host sent and received over its link (the kernel's counters)
#   bench/hosts.sh down              stop the Master, Workers and executors; remove hosts, links and bridge
#
# Environment: HOSTS_PREFIX (names of namespaces and links, default srh), HOSTS_SUBNET (a /24's first
# three numbers, default 10.213.0), HOSTS_DIR (logs and state, default target/hosts), WORKER_CORES (1),
# WORKER_MEMORY (4g). The Spark jars are the ones this project builds against (mvn -DskipTests package).
# Try a cluster on a laptop:
#   bench/hosts.sh up 2 1gbit && eval "$(bench/hosts.sh env)"
#   submit/standalone.sh --master "$MASTER" --driver-host "$DRIVER_HOST" --executors 2 --executor-cores 1 \
#       --executor-memory 2g --executor-offheap 3g train --data DIR --output /tmp/runs --epochs 1 --limit-train 512
#   bench/hosts.sh down
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${HOSTS_PREFIX:-srh}"
subnet="${HOSTS_SUBNET:-10.213.0}"
dir="${HOSTS_DIR:-$root/target/hosts}"
bridge="$prefix-br"
bridge_ip="$subnet.1"
master_port=7077
ui_port=8080

fail() {
  echo "hosts.sh: $*" >&2
  exit 2
}

host_ip() { echo "$subnet.$(( $1 + 1 ))"; }

# The hosts that exist now, by number.
hosts() {
  ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^$prefix\([0-9][0-9]*\)$/\1/p" | sort -n
}

# The bridge-side ends of host links that exist now, by name (they can outlive their namespace's name).
links() {
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed -n "s/^\($prefix[0-9][0-9]*\)@.*$/\1/p"
}

# RATE (tc units) in bits per second.
rate_bits() {
  awk -v r="$1" 'BEGIN {
    n = r + 0; u = tolower(substr(r, length(n "") + 1))
    m = (u == "kbit") ? 1e3 : (u == "mbit") ? 1e6 : (u == "gbit") ? 1e9 : (u == "bit" || u == "") ? 1 : -1
    if (n <= 0 || m < 0) exit 1
    printf "%.0f", n * m }' || fail "RATE expects a tc rate such as 1gbit, 500mbit or none, got '$1'"
}

# DELAY (us, ms or s) in microseconds.
delay_us() {
  awk -v d="$1" 'BEGIN {
    n = d + 0; u = substr(d, length(n "") + 1)
    m = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1e6 : -1
    if (n < 0 || m < 0) exit 1
    printf "%.0f", n * m }' || fail "DELAY expects a time such as 0.1ms, 1ms or 0ms, got '$1'"
}

# shape_dev NS|- DEV RATE DELAY: the device's outgoing traffic limited to RATE (a token bucket deep
# enough for 1 ms at that rate, at least two 64 KB segments) and delayed by half of DELAY, so that one
# way between two hosts (out of one link, into the other) is DELAY.
shape_dev() {
  local ns="$1" dev="$2" rate="$3" delay="$4" in=()
  [ "$ns" = - ] || in=(ip netns exec "$ns")
  "${in[@]}" tc qdisc del dev "$dev" root 2>/dev/null || true
  [ "$rate" != none ] || return 0
  local bits half burst
  bits="$(rate_bits "$rate")"
  half=$(( $(delay_us "$delay") / 2 ))
  burst=$(( bits / 8 / 1000 ))
  [ "$burst" -ge 131072 ] || burst=131072
  "${in[@]}" tc qdisc add dev "$dev" root handle 1: tbf rate "$bits" burst "$burst" latency 50ms
  [ "$half" -eq 0 ] || "${in[@]}" tc qdisc add dev "$dev" parent 1:1 handle 10: netem delay "${half}us" limit 100000
}

# A delay needs the kernel's netem queueing discipline, which some kernels are built without; the
# rate needs tbf. Tried on the bridge, where nothing flows yet.
require_qdiscs() {
  local delay="$1"
  tc qdisc add dev "$bridge" root tbf rate 1gbit burst 131072 latency 50ms 2> /dev/null \
    || fail "this kernel has no tbf queueing discipline (CONFIG_NET_SCH_TBF): links cannot be shaped"
  tc qdisc del dev "$bridge" root
  [ "$(delay_us "$delay")" -gt 0 ] || return 0
  tc qdisc add dev "$bridge" root netem delay 1ms 2> /dev/null \
    || fail "this kernel has no netem queueing discipline (CONFIG_NET_SCH_NETEM), so links cannot be delayed: use DELAY 0ms"
  tc qdisc del dev "$bridge" root
}

shape() {
  local rate="$1" delay="$2" i
  [ "$rate" = none ] || rate_bits "$rate" > /dev/null
  delay_us "$delay" > /dev/null
  require_qdiscs "$delay"
  for i in $(hosts); do
    shape_dev "$prefix$i" eth0 "$rate" "$delay"   # what the host sends
    shape_dev - "$prefix$i" "$rate" "$delay"      # what it receives
  done
  echo "$rate $delay" > "$dir/shape"
}

# The Spark home the Master and Workers run from: links to the Spark jars of the build.
spark_home() {
  local cp="$root/target/spark-classpath.txt" jar
  [ -f "$cp" ] || fail "no $cp: build the project first (mvn -DskipTests package)"
  mkdir -p "$dir/spark-home/jars"
  tr ':' '\n' < "$cp" | while read -r jar || [ -n "$jar" ]; do
    [ -z "$jar" ] || ln -sf "$jar" "$dir/spark-home/jars/$(basename "$jar")"
  done
}

# launch NAME NS|- IP MAINCLASS ARGS...: a Spark daemon in its own session (so that `down` can end it
# with every executor it started), logging to NAME.log.
launch() {
  local name="$1" ns="$2" ip="$3" in=()
  shift 3
  [ "$ns" = - ] || in=(ip netns exec "$ns")
  local opts
  mapfile -t opts < <(grep -v '^\s*#' "$root/conf/java-options" | grep -v '^\s*$')
  "${in[@]}" env SPARK_HOME="$dir/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP="$ip" \
    SPARK_LOCAL_HOSTNAME="$ip" SPARK_CONF_DIR="$dir/conf" \
    setsid java "${opts[@]}" -Xmx256m -Dspark.deploy.maxExecutorRetries=3 -cp "$dir/spark-home/jars/*" "$@" \
    > "$dir/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

alive_workers() {
  curl -s --max-time 2 "http://$bridge_ip:$ui_port/json/" 2>/dev/null \
    | sed -n 's/.*"aliveworkers" *: *\([0-9]*\).*/\1/p' || true
}

up() {
  local n="${1:-}" rate="${2:-1gbit}" delay="${3:-0ms}" i
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || fail "up expects a number of hosts (1-99), got '${n}'"
  [ "$(id -u)" -eq 0 ] || fail "needs root to make network namespaces (ip netns); run as root"
  command -v tc > /dev/null || fail "needs tc (Debian: iproute2)"
  command -v curl > /dev/null || fail "needs curl"
  [ -z "$(hosts)$(links)" ] && ! ip link show "$bridge" > /dev/null 2>&1 \
    || fail "hosts of prefix $prefix are up already; run 'bench/hosts.sh down' first"
  # The test subnet must be nobody else's: no address or route of this machine in it.
  if ip -o addr show | grep -q " $subnet\.[0-9]*/" || ip route show | grep -q "^$subnet\."; then
    fail "subnet $subnet.0/24 is in use on this machine; choose another with HOSTS_SUBNET"
  fi
  rate_bits "${rate/none/1bit}" > /dev/null
  delay_us "$delay" > /dev/null
  trap 'echo "hosts.sh: setting up failed; removing what was made" >&2; down > /dev/null 2>&1' EXIT
  rm -rf "$dir"
  mkdir -p "$dir/conf"
  spark_home
  ip link add "$bridge" type bridge
  ip addr add "$bridge_ip/24" dev "$bridge"
  ip link set "$bridge" up
  for i in $(seq 1 "$n"); do
    ip netns add "$prefix$i"
    ip link add "$prefix$i" type veth peer name eth0 netns "$prefix$i"
    ip link set "$prefix$i" master "$bridge" up
    ip -n "$prefix$i" addr add "$(host_ip "$i")/24" dev eth0
    ip -n "$prefix$i" link set eth0 up
    ip -n "$prefix$i" link set lo up
  done
  shape "$rate" "$delay"
  launch master - "$bridge_ip" org.apache.spark.deploy.master.Master \
    --host "$bridge_ip" --port "$master_port" --webui-port "$ui_port"
  for i in $(seq 1 "$n"); do
    mkdir -p "$dir/worker-$i"
    launch "worker-$i" "$prefix$i" "$(host_ip "$i")" org.apache.spark.deploy.worker.Worker \
      --host "$(host_ip "$i")" --cores "${WORKER_CORES:-1}" --memory "${WORKER_MEMORY:-4g}" \
      --webui-port 8081 --work-dir "$dir/worker-$i" "spark://$bridge_ip:$master_port"
  done
  local waited=0
  until [ "$(alive_workers)" = "$n" ]; do
    [ "$waited" -lt 120 ] || { echo "hosts.sh: $n workers did not register within 120 s; logs in $dir" >&2; false; }
    sleep 1
    waited=$(( waited + 1 ))
  done
  trap - EXIT
  echo "hosts.sh: $n hosts up ($subnet.2-$(host_ip "$n")), links $rate with $delay one way between hosts;" \
       "master spark://$bridge_ip:$master_port (UI http://$bridge_ip:$ui_port), driver host $bridge_ip; logs in $dir" >&2
}

env_lines() {
  local n
  n="$(hosts | wc -l)"
  [ "$n" -gt 0 ] || fail "no hosts are up (bench/hosts.sh up N)"
  echo "MASTER=spark://$bridge_ip:$master_port"
  echo "DRIVER_HOST=$bridge_ip"
  echo "HOSTS=$n"
  echo "HOSTS_LOGS=$dir"
}

traffic() {
  local i
  for i in $(hosts); do
    # the bridge side of the host's link: what it receives from the host is what the host sent
    echo "host $i $(host_ip "$i") sent $(cat "/sys/class/net/$prefix$i/statistics/rx_bytes")" \
         "received $(cat "/sys/class/net/$prefix$i/statistics/tx_bytes")"
  done
}

# Ends every process in the hosts (Workers, their executors), the Master, then removes the hosts
# (their ends of the links go with them) and the bridge. Safe to run twice, or after a failed `up`.
down() {
  local i pid link
  for i in $(hosts); do
    ip netns pids "$prefix$i" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  done
  if [ -f "$dir/master.pid" ]; then
    pid="$(cat "$dir/master.pid")"
    kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/master.pid"
  fi
  # Deleting a link's end deletes the pair at once; a namespace's own end goes only when the kernel
  # gets round to freeing the namespace, which can take long after its name is gone.
  for link in $(links); do
    ip link del "$link" 2>/dev/null || true
  done
  for i in $(hosts); do
    ip netns del "$prefix$i" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  local left
  left="$(hosts; links)"
  left="$(echo $left)"
  [ -z "$left" ] && ! ip link show "$bridge" > /dev/null 2>&1 || fail "could not remove ${left:+$left }$bridge"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  shape) [ $# -eq 3 ] || fail "shape expects RATE DELAY"; [ -n "$(hosts)" ] || fail "no hosts are up"; shape "$2" "$3" ;;
  env) env_lines ;;
  traffic) traffic ;;
  down) down ;;
  -h|--help|"") sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) fail "unknown command '$1': up, shape, env, traffic or down (--help)" ;;
esac
