#!/usr/bin/env bash
# Runs the job on embedded Spark (no cluster): the same shaded jar spark-submit runs, with
# Spark's own jars beside it on the classpath. Builds the jar first if it is missing or stale.
#
#   submit/run-local.sh --data DIR [train options]     same as: submit/run-local.sh train --data DIR ...
#   submit/run-local.sh train --help                  all train options
#
# Environment: DRIVER_MEMORY_GB (JVM heap, default 6), OFFHEAP_GB (ND4J off-heap limit, default 10),
# SPARK_MASTER (default: the --master option, local[*]), JAVA_OPTS (extra JVM options), MVN (default mvn).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi

jar="$(ls "$root"/target/spark-resnet-*-job.jar 2>/dev/null | head -1 || true)"
if [ -z "$jar" ] || [ ! -f "$root/target/spark-classpath.txt" ] \
   || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit)" ]; then
  echo "run-local: building the job jar (mvn package)..." >&2
  (cd "$root" && ${MVN:-mvn} -B -q -DskipTests package >&2)
  jar="$(ls "$root"/target/spark-resnet-*-job.jar | head -1)"
fi

# A bare option list means "train".
case "${1:-}" in
  -*|"") set -- train "$@" ;;
esac

mapfile -t java17 < <(grep -v '^\s*#' "$root/conf/java-options" | grep -v '^\s*$')
heap="${DRIVER_MEMORY_GB:-6}"
offheap="${OFFHEAP_GB:-10}"
extra=()
[ -n "${SPARK_MASTER:-}" ] && extra+=(-Dspark.master="$SPARK_MASTER")
# ND4J keeps tensors off-heap: cap it, and cap the whole process (heap + off-heap + 2 GB headroom).
# shellcheck disable=SC2086
exec java "${java17[@]}" \
  -Xmx"${heap}g" \
  -Dorg.bytedeco.javacpp.maxbytes="${offheap}g" \
  -Dorg.bytedeco.javacpp.maxphysicalbytes="$(( heap + offheap + 2 ))g" \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  "${extra[@]}" ${JAVA_OPTS:-} \
  -cp "$(cat "$root/target/spark-classpath.txt"):$jar" \
  io.github.sparkresnet.cli.Main "$@"
