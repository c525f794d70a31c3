#!/usr/bin/env bash
# Evaluate a checkpoint the way the README reports it (CPU; ~5 min on 2 cores).
# Usage: bash scripts/cpu_eval.sh CACHE CHECKPOINT OUT_DIR
set -euo pipefail
DATA=${1:-data/bandai.safetensors}
CK=${2:-src/motionclip/assets/motionclip-minilm.safetensors}
OUT=${3:-docs/eval}
JUDGE=${JUDGE:-runs/judge.safetensors}
mkdir -p "$OUT" "$(dirname "$JUDGE")"
[ -f "$JUDGE" ] || motionclip eval train-judge --data "$DATA" --out "$JUDGE" --no-progress
motionclip eval run --data "$DATA" --split test --judge "$JUDGE" -c "$CK" --duration 4 --duration 10 --out "$OUT/test.json" > "$OUT/test.txt"
motionclip eval run --data "$DATA" --split test --judge "$JUDGE" -c "$CK" --bank-weight 0 --out "$OUT/test_direct.json" > "$OUT/test_direct.txt"
motionclip eval run --data "$DATA" --split val -c "$CK" --out "$OUT/val.json" > "$OUT/val.txt"
motionclip eval long "a person walks" --seconds 10 --seconds 30 --content walk --data "$DATA" -c "$CK" --out "$OUT/long_walk.json" > /dev/null
motionclip eval long "a person waves the right hand" --seconds 10 --content wave-right-hand --data "$DATA" -c "$CK" --out "$OUT/long_wave.json" > /dev/null
echo "wrote $OUT"
