#!/usr/bin/env bash
# Probe: does JavaCPP's maxbytes or maxphysicalbytes bind ND4J 1.0.0-M2.1's CPU arrays? Runs the same
# 800 MB allocation under maxbytes=600m, then under maxphysicalbytes=700m, side by side.
#   bench/javacpp-limits.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
for limit in -Dorg.bytedeco.javacpp.maxbytes=600m -Dorg.bytedeco.javacpp.maxphysicalbytes=700m; do
  echo "== $limit"
  java "${JAVA17[@]}" "$limit" -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
    -cp "$BENCH_CP" io.github.sparkresnet.bench.JavaCppLimitsProbe 2>&1 | grep -E '^(limits|start|after|result)'
done
