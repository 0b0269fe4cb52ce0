#!/usr/bin/env bash
# Issue 3 comparison: ResNet34 training and inference img/s on this machine's cores, the PyTorch
# reference (../shared/reference/pytorch_resnet34.py bench, batch 64, 2 threads) against this project
# (DL4J) two ways: one network in one JVM ("single"), and two networks fitting at once in one JVM
# with one core each ("replicas=2": what the job's two Spark tasks on local[2] compute, averaging
# not included). Run alternately in the same session so all see the same machine load. Prints each
# round and the median ratios.
#   bench/compare-pytorch.sh [ROUNDS]        (default 3)
# Needs Debian's PyTorch: apt-get install -y python3-torch python3-torchvision (installed if missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
ref="$root/../shared/reference/pytorch_resnet34.py"
if ! /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch python3-torchvision >&2
fi
"$root/bench/train-throughput.sh" >/dev/null   # build once, outside the timed rounds
value() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
results=()
for r in $(seq 1 "$rounds"); do
  py=$(/usr/bin/python3 "$ref" bench --threads 2)
  pt_train=$(echo "$py" | sed -n 's/^train step:.* -> \([0-9.]*\) img\/s.*/\1/p')
  pt_infer=$(echo "$py" | sed -n 's/^inference.* -> \([0-9.]*\) img\/s.*/\1/p')
  single=$("$root/bench/train-throughput.sh" | tail -1)
  replicas=$("$root/bench/train-throughput.sh" replicas=2 threads=1 | tail -1)
  s_train=$(value "$single" train_img_per_s); s_infer=$(value "$single" infer_img_per_s)
  r_train=$(value "$replicas" train_img_per_s); r_infer=$(value "$replicas" infer_img_per_s)
  echo "round $r: pytorch train=$pt_train infer=$pt_infer | dl4j single train=$s_train infer=$s_infer" \
       "($(ratio "$s_train" "$pt_train")x / $(ratio "$s_infer" "$pt_infer")x)" \
       "| dl4j replicas=2 train=$r_train infer=$r_infer ($(ratio "$r_train" "$pt_train")x / $(ratio "$r_infer" "$pt_infer")x)"
  results+=("$(ratio "$s_train" "$pt_train") $(ratio "$s_infer" "$pt_infer") $(ratio "$r_train" "$pt_train") $(ratio "$r_infer" "$pt_infer")")
done
median() { printf '%s\n' "${results[@]}" | awk -v k="$1" '{print $k}' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "median ratio vs pytorch: single train=$(median 1)x infer=$(median 2)x | replicas=2 train=$(median 3)x infer=$(median 4)x"
