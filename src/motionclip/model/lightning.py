"""Lightning training module: losses, logging and zero-shot validation accuracy."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from motionclip.config import TrainRunConfig
from motionclip.model.losses import cosine_distance, reconstruction_losses, total_loss
from motionclip.model.motionclip import MotionCLIP


class MotionCLIPModule(pl.LightningModule):
    """Wraps :class:`MotionCLIP` for training.

    Args:
        text_embeddings: (n_texts, D) embeddings of every description in the dataset,
            computed once; batches index them with ``text_id``.
        zero_shot: per dataset name, (content ids, (n_classes, D) class-prompt embeddings)
            for the validation zero-shot content accuracy.
        use_image: whether batches carry ``image_emb`` and the image loss is on.
    """

    def __init__(
        self,
        model: MotionCLIP,
        run: TrainRunConfig,
        text_embeddings: torch.Tensor,
        zero_shot: dict[str, tuple[list[int], torch.Tensor]] | None = None,
        dataset_ids: dict[str, int] | None = None,
        use_image: bool = False,
    ) -> None:
        super().__init__()
        self.model = model
        self.run = run
        self.use_image = use_image and run.loss.image > 0
        self.register_buffer("text_embeddings", text_embeddings.float(), persistent=False)
        self.zero_shot = zero_shot or {}
        self.dataset_ids = dataset_ids or {}
        self._val_z: list[torch.Tensor] = []
        self._val_content: list[torch.Tensor] = []
        self._val_dataset: list[torch.Tensor] = []

    def _terms(self, batch: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        rot, trans, offsets = batch["rot6d"], batch["trans"], batch["offsets"]
        z, pred_rot, pred_trans = self.model(rot, trans)
        pos = self.model.positions(rot, trans, offsets)
        pred_pos = self.model.positions(pred_rot, pred_trans, offsets)
        terms = reconstruction_losses(pred_rot, pred_trans, pred_pos, rot, trans, pos)
        if self.run.loss.text > 0:
            terms["text"] = cosine_distance(z, self.text_embeddings[batch["text_id"]])
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
        correct, total = 0, 0
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

    def configure_optimizers(self) -> Any:
        return torch.optim.AdamW(self.model.parameters(), lr=self.run.train.lr, weight_decay=self.run.train.weight_decay)
