#!/usr/bin/env bash
# Train the shipped-size and paper-size models side by side on a lent GPU (developer tool).
# Usage (on the device, repo root): bash scripts/device_train.sh MINUTES
set -euo pipefail
MIN=${1:-7}
ACC=${ACC:-gpu}
WORKERS=${WORKERS:-5}
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
[ -d /tmp/site ] || python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpu/whl/*.whl
export PYTHONPATH=/tmp/site:${SRC:-$PWD/src} PYTHONUNBUFFERED=1
W=/tmp/work; mkdir -p $W
python3 scripts/pack_cache.py unpack .gpu/packed.npz $W/data.safetensors
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
common="backend=minilm text_table=.gpu/texts.safetensors train.accelerator=$ACC train.batch_size=128 train.num_workers=$WORKERS train.max_minutes=$MIN train.max_epochs=100000 train.val_every_epochs=10 train.checkpoint_every=100000 train.log_every=50"
# RUNS: "name:override override;name:override ..." (default: shipped-size and paper-size)
RUNS=${RUNS:-"small:model.num_layers=3;paper:model.num_layers=8"}
IFS=';' read -ra SPECS <<< "$RUNS"
NAMES=()
for spec in "${SPECS[@]}"; do
  name=${spec%%:*}; ov=${spec#*:}; NAMES+=("$name")
  python3 -m motionclip.cli train --data $W/data.safetensors --out $W/$name --no-progress $ov $common > $W/$name.log 2>&1 &
done
wait
R=$W/results; mkdir -p $R
for r in "${NAMES[@]}"; do
  tail -5 $W/$r.log; cp $W/$r.log $R/ || true
  python3 scripts/device_eval.py $W/$r/model.safetensors $W/data.safetensors .gpu/texts.safetensors > $R/eval_$r.json || true
  cat $R/eval_$r.json
  cp $W/$r/summary.json $R/summary_$r.json || true
  cp $W/$r/logs/metrics.csv $R/metrics_$r.csv || true
done
tar czf $OUT/results.tgz -C $W results
python3 - <<'PY'
from motionclip.model.checkpoint import load_checkpoint, save_checkpoint
import os
for r in os.environ.get("SHIP", "small").split(","):
    m = load_checkpoint(f"/tmp/work/{r}/model.safetensors")
    save_checkpoint(m, f"/tmp/work/{r}_fp16.safetensors", extra={"training": m.meta.get("training")}, half=True)
PY
cd /tmp/work && for r in ${SHIP:-small}; do split -b 15M ${r}_fp16.safetensors $OUT/${r}_fp16.part.; done
ls -la $OUT
