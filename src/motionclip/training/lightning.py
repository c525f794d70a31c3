"""Lightning training module: losses, logging and zero-shot validation accuracy."""

from __future__ import annotations

import math
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from motionclip.generation.text_to_motion import MotionCLIP
from motionclip.training.config import TrainRunConfig
from motionclip.training.losses import (
    LossScales,
    contrastive_loss,
    cosine_distance,
    normalised_reconstruction_losses,
    paper_reconstruction_losses,
    total_loss,
)


class MotionCLIPModule(pl.LightningModule):
    """Wraps :class:`MotionCLIP` for training.

    Args:
        text_embeddings: (n_texts, D) embeddings of every description in the dataset,
            computed once; batches index them with ``text_id``.
        zero_shot: per dataset name, (content ids, (n_classes, D) class-prompt embeddings)
            for the validation zero-shot content accuracy.
        use_image: whether batches carry ``image_emb`` and the image loss is on.
        loss_scales: normalisers of the "normalised" loss recipe (identity if None).
        autocast_dtype: run the transformer under autocast in this dtype (bf16 mixed
            precision); FK and the losses stay in fp32.
    """

    text_embeddings: torch.Tensor  # (n_texts, D) buffer

    def __init__(
        self,
        model: MotionCLIP,
        run: TrainRunConfig,
        text_embeddings: torch.Tensor,
        zero_shot: dict[str, tuple[list[int], torch.Tensor]] | None = None,
        dataset_ids: dict[str, int] | None = None,
        use_image: bool = False,
        loss_scales: LossScales | None = None,
        autocast_dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.run = run
        self.use_image = use_image and run.loss.image > 0
        self.register_buffer("text_embeddings", text_embeddings.float(), persistent=False)
        self.zero_shot = zero_shot or {}
        self.dataset_ids = dataset_ids or {}
        self.loss_scales = loss_scales or LossScales.identity()
        self.autocast_dtype = autocast_dtype
        self._val_z: list[torch.Tensor] = []
        self._val_content: list[torch.Tensor] = []
        self._val_dataset: list[torch.Tensor] = []

    def _autocast(self, device: torch.device) -> Any:
        enabled = self.autocast_dtype is not None
        return torch.autocast(device.type, dtype=self.autocast_dtype or torch.bfloat16, enabled=enabled)

    def _reconstruction(
        self, out: torch.Tensor, features: torch.Tensor, batch: dict[str, torch.Tensor], pos: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """Loss terms of decoded standardised features ``out`` (B, T, F) against the batch."""
        pred_rot, pred_trans = self.model.denormalise(out)
        pred_pos = self.model.positions(pred_rot, pred_trans, batch["offsets"])
        mask = batch.get("mask")
        if self.run.loss.recipe == "paper":
            return paper_reconstruction_losses(
                pred_rot, pred_trans, pred_pos, batch["rot6d"], batch["trans"], pos, mask
            )
        return normalised_reconstruction_losses(out, pred_pos, features, pos, self.loss_scales, mask)

    def _terms(self, batch: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        rot, trans = batch["rot6d"], batch["trans"]
        if "positions" in batch:
            pos = batch["positions"]
        else:
            with torch.no_grad():
                pos = self.model.positions(rot, trans, batch["offsets"])
        features = self.model.normalise(rot, trans)
        frames = rot.shape[1]
        loss = self.run.loss
        text = self.text_embeddings[batch["text_id"]]
        mask = batch.get("mask")  # variable-length clips: real frames
        with self._autocast(rot.device):
            z = self.model.encoder(features, mask)
            out = self.model.decode_normalised(z, frames, mask)
            out_text = None
            if loss.text_reconstruction > 0:
                # decode the clip's text as generation does: its direction, at the latents' norm
                scale = 1.0 if self.model.cfg.unit_latent else z.detach().float().norm(dim=-1, keepdim=True).mean()
                out_text = self.model.decode_normalised(text * scale, frames, mask)
        z = z.float()
        terms = self._reconstruction(out.float(), features, batch, pos)
        if out_text is not None:
            rec = self._reconstruction(out_text.float(), features, batch, pos)
            terms.update({f"textrec_{k}": v for k, v in rec.items()})
        if loss.text > 0:
            terms["text"] = cosine_distance(z, text)
        if loss.contrastive > 0 and "pair" in batch:
            same = batch["pair"][:, None] == batch["pair"][None, :]
            terms["contrastive"] = contrastive_loss(z, text, same, loss.temperature)
        if self.use_image and "image_emb" in batch:
            # rows of zeros are windows render-frames skipped (e.g. --split train): no image target
            image = batch["image_emb"].float()
            has_image = image.abs().sum(-1) > 0
            if bool(has_image.any()):
                terms["image"] = cosine_distance(z[has_image], image[has_image])
        return terms, z

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        terms, _ = self._terms(batch)
        loss = total_loss(terms, self.run.loss)
        bs = batch["rot6d"].shape[0]
        for name, value in terms.items():
            self.log(f"train/{name}", value, batch_size=bs)
        self.log("train/loss", loss, prog_bar=True, batch_size=bs)
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        terms, z = self._terms(batch)
        loss = total_loss(terms, self.run.loss)
        bs = batch["rot6d"].shape[0]
        for name, value in terms.items():
            self.log(f"val/{name}", value, batch_size=bs, sync_dist=True)
        self.log("val/loss", loss, prog_bar=True, batch_size=bs, sync_dist=True)
        self._val_z.append(z.detach())
        self._val_content.append(batch["content"])
        self._val_dataset.append(batch["dataset"])

    def on_validation_epoch_end(self) -> None:
        if not self._val_z or not self.zero_shot:
            return
        z = F.normalize(torch.cat(self._val_z), dim=-1)
        content = torch.cat(self._val_content)
        dataset = torch.cat(self._val_dataset)
        self._val_z.clear()
        self._val_content.clear()
        self._val_dataset.clear()
        correct: float = 0
        total = 0
        for name, (class_ids, emb) in self.zero_shot.items():
            sel = dataset == self.dataset_ids[name]
            if not sel.any():
                continue
            pred = (z[sel] @ emb.to(z.device).T).argmax(-1)
            truth = torch.as_tensor(class_ids, device=z.device)[pred]
            hits = (truth == content[sel]).sum().item()
            self.log(f"val/zs_content_acc/{name}", hits / int(sel.sum()), prog_bar=False)
            correct += hits
            total += int(sel.sum())
        if total:
            self.log("val/zs_content_acc", correct / total, prog_bar=True)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Resume runs written before the latent-bank buffers existed (they are rebuilt
        after training anyway): fill the missing ones with this model's empty values."""
        state = checkpoint.get("state_dict", {})
        for name in ("bank_codes", "bank_scale", "bank_take", "bank_start", "bank_activity"):
            key = f"model.{name}"
            if key not in state:
                state[key] = getattr(self.model, name)

    def configure_optimizers(self) -> Any:
        params = [p for p in self.model.parameters() if p.requires_grad]
        t = self.run.train
        try:  # one fused kernel for the whole update (CPU and CUDA, torch >= 2.4)
            opt = torch.optim.AdamW(params, lr=t.lr, weight_decay=t.weight_decay, fused=True)
        except (RuntimeError, TypeError):
            opt = torch.optim.AdamW(params, lr=t.lr, weight_decay=t.weight_decay, foreach=True)
        if t.warmup_steps <= 0 and t.lr_schedule == "constant":
            return opt
        schedule = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: lr_factor(step, t.warmup_steps, t.lr_schedule, t.max_steps)
        )
        return {"optimizer": opt, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


def lr_factor(step: int, warmup: int, schedule: str, total: int) -> float:
    """Multiplier of the base learning rate at ``step``: linear warm-up, then constant or
    cosine decay to 0.1 at ``total``."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if schedule != "cosine" or total <= warmup:
        return 1.0
    progress = min(1.0, (step - warmup) / (total - warmup))
    return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress))
