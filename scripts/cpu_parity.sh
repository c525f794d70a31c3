#!/usr/bin/env bash
# bf16 vs fp32 quality parity: the same steps from the same start, then val metrics.
# Usage: bash scripts/cpu_parity.sh CACHE INIT_CHECKPOINT STEPS OUT_DIR
set -euo pipefail
DATA=$1; INIT=$2; STEPS=${3:-200}; OUT=${4:-runs/parity}
common="--data $DATA --preset shipped --no-progress train.init_from=$INIT train.batch_size=64 train.max_steps=$STEPS train.max_epochs=100000 train.val_every_epochs=1000 train.checkpoint_every=100000"
for p in bf16-mixed 32-true; do
  OMP_NUM_THREADS=1 motionclip train --out "$OUT/$p" $common train.precision=$p > "$OUT.$p.log" 2>&1 &
done
wait
for p in bf16-mixed 32-true; do
  motionclip eval run --data "$DATA" --split val -c "$OUT/$p/model.safetensors" --out "$OUT/$p/val.json" > /dev/null
  python3 -c "import json,sys; d=json.load(open('$OUT/$p/val.json')); z=d['zero_shot']['content']['per_dataset']; r=d['reconstruction']; print('$p', 'seconds', json.load(open('$OUT/$p/summary.json'))['seconds'], 'zs dataset-2', z['dataset-2']['top1'], 'mpjpe', r['mpjpe_mm'], 'limb', r['realism']['overall']['limb_speed']['ratio_mean_over_contents'])"
done
