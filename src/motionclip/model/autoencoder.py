"""The MotionCLIP network: a transformer motion auto-encoder whose latent lives in a
frozen text/image embedding space (encode, decode, normalise, FK). Text-to-motion sampling
(the latent bank, the neighbour draw, long motions) builds on it in :mod:`motionclip.generation`;
training in :mod:`motionclip.training`.

Shapes: B = batch, T = frames, J = joints, D = latent size, F = J * 6 + 3 features per frame.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

import torch
from torch import nn

from motionclip.checks import check_int, check_real_tensor, check_texts
from motionclip.data.canonical import canonicalize, resampled_length
from motionclip.data.fk import forward_kinematics
from motionclip.data.motion import Motion, check_motion
from motionclip.data.rotations import sixd_to_matrix
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError, SkeletonError
from motionclip.model.config import ModelConfig, TransformerConfig
from motionclip.model.smoothing import smooth_time
from motionclip.model.transformer import MotionDecoder, MotionEncoder

if TYPE_CHECKING:
    from motionclip.text import EmbeddingBackend


class MotionAutoencoder(nn.Module):
    """Transformer motion auto-encoder whose latent lives in a text/image embedding space.

    Frames are ``J * 6`` rotation numbers (6D, local per joint) followed by the root
    translation (3), normalised with training-set statistics stored in the model.
    """

    # tensors a checkpoint of an older format version may lack: name -> newest such version
    OPTIONAL_TENSORS: ClassVar[Mapping[str, int]] = {}
    # tensors stored all together or not at all
    TENSOR_GROUPS: ClassVar[tuple[tuple[str, ...], ...]] = ()

    # buffers (saved with the weights)
    rot_mean: torch.Tensor  # (J, 6)
    rot_std: torch.Tensor  # (J, 6)
    trans_mean: torch.Tensor  # (3,)
    trans_std: torch.Tensor  # (3,)
    offsets: torch.Tensor  # (J, 3) metres

    def __init__(
        self,
        config: ModelConfig,
        skeleton: Skeleton,
        stats: dict[str, torch.Tensor] | None = None,
    ) -> None:
        super().__init__()
        self.config = config  # everything but the tensors; save_checkpoint stores it whole
        cfg = config.architecture
        if cfg.latent_dim < 1 or cfg.latent_dim % cfg.num_heads:
            raise MotionCLIPError(f"latent_dim {cfg.latent_dim} must be positive and divisible by num_heads")
        self.skeleton = skeleton
        j = skeleton.num_joints
        self.features = j * 6 + 3
        self.encoder = MotionEncoder(self.features, cfg)
        self.decoder = MotionDecoder(self.features, cfg)
        stats = stats or {
            "rot_mean": torch.zeros(j, 6),
            "rot_std": torch.ones(j, 6),
            "trans_mean": torch.zeros(3),
            "trans_std": torch.ones(3),
        }
        for key in ("rot_mean", "rot_std", "trans_mean", "trans_std"):
            self.register_buffer(key, stats[key].float().clone())
        self.register_buffer("offsets", torch.as_tensor(skeleton.offsets, dtype=torch.float32))
        self._backend: EmbeddingBackend | None = None
        self.meta: dict[str, Any] = {}  # the checkpoint's JSON description, once loaded

    @classmethod
    def sized_for(cls, config: ModelConfig, skeleton: Skeleton, state: dict[str, torch.Tensor]) -> Self:
        """An empty model shaped to receive the tensors ``state`` (a checkpoint's)."""
        return cls(config, skeleton)

    @contextlib.contextmanager
    def evaluating(self) -> Iterator[None]:
        """Eval mode for the block, then the mode it had (inference inside a training run)."""
        was_training = self.training
        self.eval()
        try:
            yield
        finally:
            self.train(was_training)

    # -- the config, read-only (rebuild the model to change it) ----------------------------
    @property
    def cfg(self) -> TransformerConfig:
        """The architecture (``config.architecture``)."""
        return self.config.architecture

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def backend_name(self) -> str:
        return self.config.backend

    @property
    def backend_model(self) -> str | None:
        return self.config.backend_model

    @property
    def fps(self) -> float:
        return float(self.config.fps)

    @property
    def window(self) -> int:
        return int(self.config.window)

    @property
    def body(self) -> str:
        """The skeleton convention inputs are put on (ModelConfig.body)."""
        return str(self.config.body)

    @property
    def trained_frames(self) -> int:
        """Longest clip the decoder was trained on: up to it, generate decodes in one pass."""
        return int(self.config.trained_frames or self.config.window)

    @property
    def latent_norm(self) -> float:
        return float(self.config.latent_norm)

    # -- features -----------------------------------------------------------------------
    def normalise(self, rot6d: torch.Tensor, trans: torch.Tensor) -> torch.Tensor:
        """(B, T, J, 6), (B, T, 3) -> (B, T, F)."""
        rot = (rot6d - self.rot_mean) / self.rot_std
        tr = (trans - self.trans_mean) / self.trans_std
        return torch.cat([rot.flatten(-2), tr], dim=-1)

    def denormalise(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, F) -> rot6d (B, T, J, 6), trans (B, T, 3)."""
        j = self.skeleton.num_joints
        rot = x[..., : j * 6].unflatten(-1, (j, 6)) * self.rot_std + self.rot_mean
        tr = x[..., j * 6 :] * self.trans_std + self.trans_mean
        return rot, tr

    def positions(self, rot6d: torch.Tensor, trans: torch.Tensor, offsets: torch.Tensor | None = None) -> torch.Tensor:
        """Differentiable FK of 6D poses; offsets (B, J, 3) per sample or the model's."""
        off = self.offsets if offsets is None else offsets[:, None]
        return forward_kinematics(sixd_to_matrix(rot6d), trans, off, self.skeleton.parents)

    # -- core ---------------------------------------------------------------------------
    def encode(self, rot6d: torch.Tensor, trans: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Latent z (B, D) of canonical windows."""
        return self.encoder(self.normalise(rot6d, trans), mask)

    def decoder_input(self, z: torch.Tensor) -> torch.Tensor:
        """What the decoder sees of z (B, D): its direction at norm sqrt(D) with ``unit_latent``."""
        if self.cfg.unit_latent:
            return torch.nn.functional.normalize(z, dim=-1) * math.sqrt(z.shape[-1])
        return z

    def decode_normalised(self, z: torch.Tensor, frames: int, mask: torch.Tensor | None = None) -> torch.Tensor:
        """z (B, D) -> standardised features (B, frames, F); ``mask`` as in the decoder.

        With ``output_smoothing`` the features pass a fixed temporal low-pass
        (:mod:`motionclip.model.smoothing`), in training as in generation."""
        out = self.decoder(self.decoder_input(z), frames, mask)
        return smooth_time(out, self.cfg.output_smoothing, mask)

    def decode_features(self, z: torch.Tensor, frames: int) -> tuple[torch.Tensor, torch.Tensor]:
        """z (B, D) -> rot6d (B, frames, J, 6), trans (B, frames, 3)."""
        return self.denormalise(self.decode_normalised(z, frames).float())

    def forward(self, rot6d: torch.Tensor, trans: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z = self.encode(rot6d, trans)
        rot, tr = self.decode_features(z, rot6d.shape[1])
        return z, rot, tr

    # -- user API -----------------------------------------------------------------------
    @property
    def backend(self) -> EmbeddingBackend:
        """The embedding backend this model was trained against (loaded on first use)."""
        if self._backend is None:
            from motionclip.text import get_backend

            self._backend = get_backend(self.backend_name, model=self.backend_model)
            if self._backend.dim != self.latent_dim:
                raise MotionCLIPError(
                    f"backend {self.backend_name!r} has dim {self._backend.dim}, model latent is {self.latent_dim}"
                )
        return self._backend

    def set_backend(self, backend: EmbeddingBackend) -> None:
        """Use an already-loaded backend (must match the model's latent size)."""
        if backend.dim != self.latent_dim:
            raise MotionCLIPError(f"backend dim {backend.dim} != model latent dim {self.latent_dim}")
        self._backend = backend

    def check_skeleton(self, motion: Motion) -> None:
        """Raise SkeletonError unless ``motion`` uses the model's joints and hierarchy."""
        if not motion.skeleton.same_topology(self.skeleton):
            raise SkeletonError(
                "motion skeleton does not match the model's "
                f"({motion.skeleton.num_joints} joints {list(motion.skeleton.names[:4])}... vs "
                f"{self.skeleton.num_joints} joints {list(self.skeleton.names[:4])}...); "
                "retarget it to the training skeleton first"
            )

    @torch.no_grad()
    def encode_motion(self, motions: Motion | Sequence[Motion]) -> torch.Tensor:
        """(N, D) latents of motions (canonicalised to the model's fps and facing)."""
        if isinstance(motions, Motion):
            items = [motions]
        elif isinstance(motions, Sequence) and not isinstance(motions, (str, bytes)):
            items = [check_motion(m, f"motions[{i}]") for i, m in enumerate(motions)]
        else:
            items = [check_motion(motions, "motions")]  # raises, naming what was given
        if not items:
            raise MotionCLIPError("no motions to encode")
        rots, trs, lengths = [], [], []
        for m in items:
            self.check_skeleton(m)
            n = resampled_length(len(m), m.fps, self.fps)  # checked before resampling allocates
            if n > self.cfg.max_frames:
                raise MotionCLIPError(
                    f"motion has {n} frames at {self.fps:g} fps; at most {self.cfg.max_frames} supported"
                )
            c = canonicalize(m, fps=self.fps)
            rots.append(c.rotations_6d())
            trs.append(c.root_translation)
            lengths.append(len(c))
        t = max(lengths)
        device = self.rot_mean.device
        rot = torch.zeros(len(items), t, self.skeleton.num_joints, 6)
        tr = torch.zeros(len(items), t, 3)
        mask = torch.zeros(len(items), t, dtype=torch.bool)
        for i, (r, x, n) in enumerate(zip(rots, trs, lengths)):
            rot[i, :n], tr[i, :n], mask[i, :n] = r, x, True
        with self.evaluating():
            z = self.encode(rot.to(device), tr.to(device), mask.to(device) if min(lengths) < t else None)
        return z.cpu()

    def encode_text(self, texts: str | Sequence[str]) -> torch.Tensor:
        """(N, D) L2-normalised text embeddings from the model's backend."""
        return self.backend.encode_text(check_texts(texts))

    def text_latent(self, texts: str | Sequence[str]) -> torch.Tensor:
        """(N, D) decodable latents for texts: unit text embeddings scaled to the mean
        norm of training motion latents (what the decoder was trained on)."""
        return self.encode_text(texts) * self.latent_norm

    @torch.no_grad()
    def decode(self, z: torch.Tensor, frames: int | None = None) -> list[Motion]:
        """Decode latents (N, D) or (D,) into motions on the model's skeleton."""
        frames = self.window if frames is None else check_int(frames, "frames", 1, self.cfg.max_frames)
        z = check_real_tensor(z, "z")
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise MotionCLIPError(f"latents must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        if not torch.isfinite(z).all():
            raise MotionCLIPError("latents contain NaN or inf")
        with self.evaluating():
            rot, tr = self.decode_features(z.to(self.rot_mean.device), frames)
        mats = sixd_to_matrix(rot.cpu())
        return [Motion(self.skeleton, mats[i], tr[i].cpu(), self.fps) for i in range(len(z))]

    def reconstruct(self, motion: Motion, frames: int | None = None) -> Motion:
        """Encode then decode a motion (canonical form); ``frames`` None = as many as it has at the model's fps."""
        check_motion(motion)
        if frames is not None:
            check_int(frames, "frames", 1, self.cfg.max_frames)
        return self.decode(self.encode_motion(motion), frames or len(canonicalize(motion, fps=self.fps)))[0]
