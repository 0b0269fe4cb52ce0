#!/usr/bin/env bash
# Sourced by the bench scripts: compiles main and test code if stale and sets BENCH_CP to the
# test classpath (project, DL4J and Spark jars) and JAVA17 to the JVM options from conf/java-options.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cpfile="$root/target/bench-classpath.txt"
if [ ! -f "$cpfile" ] || [ -n "$(find "$root/src" "$root/pom.xml" -newer "$cpfile" -print -quit)" ]; then
  echo "bench: compiling (mvn test-compile)..." >&2
  # A failed build must stop the bench: stale classes would be measured as the current code.
  (cd "$root" && ${MVN:-mvn} -B -q test-compile dependency:build-classpath -Dmdep.outputFile="$cpfile" >&2) \
    || { echo "bench: the build failed; nothing measured" >&2; exit 1; }
  touch "$cpfile"
fi
# bench_data [DIR]: the CIFAR-10 parent directory to use (default target/cifar10), prepared from
# ../shared if it holds no data yet.
bench_data() {
  local data="${1:-$root/target/cifar10}"
  [ -d "$data/cifar-10-batches-bin" ] || "$root/../shared/data/prepare-cifar10" "$data" >&2
  echo "$data"
}
# bench_job_jar: builds the shaded job jar when it is missing or older than the sources (the benches
# that submit to a cluster run it).
bench_job_jar() {
  local jar
  jar="$(ls "$root"/target/spark-resnet-*-job.jar 2>/dev/null | head -1 || true)"
  if [ -z "$jar" ] || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit)" ]; then
    (cd "$root" && ${MVN:-mvn} -B -q -DskipTests package >&2)
  fi
}
BENCH_CP="$root/target/test-classes:$root/target/classes:$(cat "$cpfile")"
mapfile -t JAVA17 < <(grep -v '^\s*#' "$root/conf/java-options" | grep -v '^\s*$')
export BENCH_CP
