#!/usr/bin/env bash
# Train the shipped model from scratch in one command: the Bandai Namco cache on the canonical
# body, then `--preset shipped` for the full budget (8,000 steps of 128 windows = 1.02 M windows),
# the latent bank built at the end of training. Stop it at any time (Ctrl-C, kill): run it again
# and it resumes from the last checkpoint (every 200 steps).
#
#   bash scripts/train_shipped.sh [RUN_DIR]        # default runs/shipped
#   ACCELERATOR=gpu bash scripts/train_shipped.sh  # on a GPU (the CPU is the default)
#
# The result is RUN_DIR/model.safetensors; `motionclip eval run -c RUN_DIR/model.safetensors
# --data data/bandai.safetensors` measures it against the README's tables.
set -euo pipefail
RUN=${1:-runs/shipped}
DATA=${DATA:-data/bandai.safetensors}
SHARED=${SHARED:-../shared/data/bandai-namco}
ACCELERATOR=${ACCELERATOR:-cpu}
STEPS=${STEPS:-8000}

if [ ! -f "$DATA" ]; then
  mkdir -p "$(dirname "$DATA")"
  motionclip data prepare --source bandai-namco --root "$SHARED" --out "$DATA"
fi
resume=()
if compgen -G "$RUN/checkpoints/*.ckpt" > /dev/null; then
  resume=(--resume last)
fi
motionclip train --data "$DATA" --out "$RUN" --preset shipped --accelerator "$ACCELERATOR" --no-progress \
  "${resume[@]}" \
  train.max_steps="$STEPS" train.max_epochs=100000 train.lr_schedule=cosine train.warmup_steps=200 \
  train.checkpoint_every=200 train.val_every_epochs=5 train.log_every=50
