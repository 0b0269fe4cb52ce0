#!/usr/bin/env bash
# Issue 3 comparison: ResNet34 training and inference img/s, this project (DL4J, one JVM) vs the PyTorch
# reference (../shared/reference/pytorch_resnet34.py bench, batch 64, 2 threads), run alternately in the
# same session so both see the same machine load. Prints each round and the median ratios.
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
results=()
for r in $(seq 1 "$rounds"); do
  py=$(/usr/bin/python3 "$ref" bench --threads 2)
  pt_train=$(echo "$py" | sed -n 's/^train step:.* -> \([0-9.]*\) img\/s.*/\1/p')
  pt_infer=$(echo "$py" | sed -n 's/^inference.* -> \([0-9.]*\) img\/s.*/\1/p')
  ours=$("$root/bench/train-throughput.sh" | tail -1)
  dl_train=$(echo "$ours" | sed -n 's/.*train_img_per_s=\([0-9.]*\).*/\1/p')
  dl_infer=$(echo "$ours" | sed -n 's/.*infer_img_per_s=\([0-9.]*\).*/\1/p')
  tr=$(awk -v a="$dl_train" -v b="$pt_train" 'BEGIN{printf "%.2f", a/b}')
  ir=$(awk -v a="$dl_infer" -v b="$pt_infer" 'BEGIN{printf "%.2f", a/b}')
  echo "round $r: pytorch train=$pt_train infer=$pt_infer | dl4j train=$dl_train infer=$dl_infer | ratio train=${tr}x infer=${ir}x"
  results+=("$tr $ir $dl_train $dl_infer $pt_train $pt_infer")
done
printf '%s\n' "${results[@]}" | sort -n -k1 | awk -v n="$rounds" '{a[NR]=$0} END{split(a[int((n+1)/2)],m," "); printf "median train ratio=%.2fx (dl4j %s vs pytorch %s img/s)\n", m[1], m[3], m[5]}'
printf '%s\n' "${results[@]}" | sort -n -k2 | awk -v n="$rounds" '{a[NR]=$0} END{split(a[int((n+1)/2)],m," "); printf "median infer ratio=%.2fx (dl4j %s vs pytorch %s img/s)\n", m[2], m[4], m[6]}'
