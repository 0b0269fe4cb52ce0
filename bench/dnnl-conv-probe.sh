#!/usr/bin/env bash
# Probe: stem and stage 1-2 convolutions of a single-core network, forward + backward per 64-image
# minibatch, through what DL4J's oneDNN helper runs (libnd4j's conv2d / conv2d_bp, oneDNN 2.3)
# against oneDNN's own Java presets (org.bytedeco:dnnl 2.5.2, primitives made once, convolution_direct).
# Usage: bench/dnnl-conv-probe.sh [REPS]   (THREADS=N for N OpenMP threads on both sides; default 1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
# The presets and what they load (OpenCL's presets, for the classes only: no GPU is used).
m2="${MAVEN_REPO:-$HOME/.m2/repository}/org/bytedeco"
jars=()
for gav in dnnl:2.5.2-1.5.7 opencl:3.0-1.5.7; do
  a="${gav%%:*}" v="${gav#*:}"
  for c in "" "-linux-x86_64"; do
    jar="$m2/$a/$v/$a-$v$c.jar"
    [ -f "$jar" ] || ${MVN:-mvn} -B -q dependency:get -Dtransitive=false \
      -Dartifact="org.bytedeco:$a:$v${c:+:jar:linux-x86_64}" >&2
    jars+=("$jar")
  done
done
export OMP_NUM_THREADS="${THREADS:-1}"
echo "probe: OMP_NUM_THREADS=$OMP_NUM_THREADS, $(date -u +%FT%TZ)"
exec java "${JAVA17[@]}" -Xmx2g -cp "$BENCH_CP:$(IFS=:; echo "${jars[*]}")" \
  "$root/bench/probes/DnnlConvProbe.java" "$@"
