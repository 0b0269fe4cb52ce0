#!/usr/bin/env bash
# The README's default command against the PyTorch reference's own training loop, side by side in
# one session: pytorch_resnet34.py train --threads 2 --epochs 2, then submit/run-local.sh with the
# defaults (5 epochs, local[*]) once per --averaging kind, then PyTorch again. Compares epoch 2's
# training throughput (PyTorch's img/s column, the job's train_img_per_s) and prints the ratios.
#   bench/default-vs-pytorch.sh [AVERAGING="allreduce driver"] [SEED=42] [CIFAR_PARENT_DIR]
# Extra job options: JOB_OPTS (e.g. "--epochs 2"); environment for the job: as submit/run-local.sh.
# Needs Debian's PyTorch (installed if missing, as bench/compare-pytorch.sh does).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/classpath.sh"
data="$(bench_data "${3:-}")"
seed="${2:-42}"
ref="$root/../shared/reference/pytorch_resnet34.py"
if ! /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch python3-torchvision >&2
fi
out="$(mktemp -d)"
pytorch_epoch2() {
  CIFAR_DIR="$data/cifar-10-batches-bin" /usr/bin/python3 "$ref" train --threads 2 --epochs 2 \
    | awk '$1 == "2" && NF >= 6 {print $6}'
}
pt1="$(pytorch_epoch2)"
echo "pytorch train --threads 2 --epochs 2: epoch 2 at $pt1 img/s"
declare -A job
for kind in ${1:-allreduce driver}; do
  log="$out/$kind.log"
  # shellcheck disable=SC2086
  "$root/submit/run-local.sh" --data "$data" --output "$out/runs" --run-id "default-$kind-s$seed" --seed "$seed" \
    --averaging "$kind" ${JOB_OPTS:-} > "$log" 2>&1
  job[$kind]="$(sed -n 's/.*epoch 2\/[0-9]*: .* images in [0-9.]* s = \([0-9.]*\) img\/s.*/\1/p' "$log")"
  grep -E "epoch [0-9]+/[0-9]+: train_loss|all-reduce:" "$log" | sed "s/^/  $kind: /"
done
pt2="$(pytorch_epoch2)"
echo "pytorch again: epoch 2 at $pt2 img/s"
for kind in "${!job[@]}"; do
  awk -v k="$kind" -v j="${job[$kind]}" -v a="$pt1" -v b="$pt2" \
    'BEGIN{m=(a+b)/2; printf "default_vs_pytorch averaging=%s epoch2_img_per_s=%.1f pytorch_epoch2_img_per_s=%.1f (%.1f, %.1f) ratio=%.2f\n", k, j, m, a, b, j/m}'
done
echo "runs kept in $out"
