#!/usr/bin/env bash
# ResNet34 training and inference img/s on this machine's cores: the PyTorch reference
# (../shared/reference/pytorch_resnet34.py, 2 threads) against this project (DL4J) two ways: one
# network in one JVM ("single"), and two networks fitting at once in one JVM with one core each
# ("replicas=2": what the job's two Spark tasks on local[2] compute, averaging not included).
# PyTorch is measured twice per round: its own training loop (`train --epochs 2`, epoch 2: training
# img/s, and the test split's images over its evaluation time for inference), which is what its users
# see, and its `bench` mode (batch 64, 20 steps), which is the same work as DL4J's side. Run
# alternately in the same session so all see the same machine load. Prints each round and the
# median ratios against both.
#   bench/compare-pytorch.sh [ROUNDS] [CIFAR_PARENT_DIR]       (default 3 rounds)
# Needs Debian's PyTorch: apt-get install -y python3-torch python3-torchvision (installed if missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
ref="$root/../shared/reference/pytorch_resnet34.py"
if ! /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch python3-torchvision >&2
fi
"$root/bench/train-throughput.sh" >/dev/null   # build once, outside the timed rounds
source "$root/bench/classpath.sh"
data="$(bench_data "${2:-}")"
value() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
results=()
for r in $(seq 1 "$rounds"); do
  loop=$(CIFAR_DIR="$data/cifar-10-batches-bin" /usr/bin/python3 "$ref" train --threads 2 --epochs 2)
  test_images=$(echo "$loop" | sed -n 's/.*test images=\([0-9]*\).*/\1/p')
  lp_train=$(echo "$loop" | awk '$1 == "2" && NF >= 7 {print $6}')
  lp_infer=$(echo "$loop" | awk -v n="$test_images" '$1 == "2" && NF >= 7 {printf "%.1f", n / $7}')
  py=$(/usr/bin/python3 "$ref" bench --threads 2)
  pt_train=$(echo "$py" | sed -n 's/^train step:.* -> \([0-9.]*\) img\/s.*/\1/p')
  pt_infer=$(echo "$py" | sed -n 's/^inference.* -> \([0-9.]*\) img\/s.*/\1/p')
  single=$("$root/bench/train-throughput.sh" | tail -1)
  replicas=$("$root/bench/train-throughput.sh" replicas=2 threads=1 | tail -1)
  s_train=$(value "$single" train_img_per_s); s_infer=$(value "$single" infer_img_per_s)
  r_train=$(value "$replicas" train_img_per_s); r_infer=$(value "$replicas" infer_img_per_s)
  echo "round $r: pytorch loop train=$lp_train infer=$lp_infer, bench train=$pt_train infer=$pt_infer" \
       "| dl4j single train=$s_train infer=$s_infer | dl4j replicas=2 train=$r_train infer=$r_infer"
  echo "  against the loop: single $(ratio "$s_train" "$lp_train")x / $(ratio "$s_infer" "$lp_infer")x," \
       "replicas=2 $(ratio "$r_train" "$lp_train")x / $(ratio "$r_infer" "$lp_infer")x;" \
       "against bench: single $(ratio "$s_train" "$pt_train")x / $(ratio "$s_infer" "$pt_infer")x," \
       "replicas=2 $(ratio "$r_train" "$pt_train")x / $(ratio "$r_infer" "$pt_infer")x"
  results+=("$(ratio "$s_train" "$lp_train") $(ratio "$s_infer" "$lp_infer") $(ratio "$r_train" "$lp_train") $(ratio "$r_infer" "$lp_infer") $(ratio "$s_train" "$pt_train") $(ratio "$s_infer" "$pt_infer") $(ratio "$r_train" "$pt_train") $(ratio "$r_infer" "$pt_infer")")
done
median() { printf '%s\n' "${results[@]}" | awk -v k="$1" '{print $k}' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "median ratio vs pytorch's loop: single train=$(median 1)x infer=$(median 2)x | replicas=2 train=$(median 3)x infer=$(median 4)x"
echo "median ratio vs pytorch's bench: single train=$(median 5)x infer=$(median 6)x | replicas=2 train=$(median 7)x infer=$(median 8)x"
