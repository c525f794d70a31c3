"""The MotionCLIP auto-encoder and its user-facing API."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

import torch
from torch import nn

from motionclip.checks import check_int, check_number, check_real_tensor, check_texts
from motionclip.config import LIMITS, GenerationConfig, ModelConfig, TransformerConfig
from motionclip.data.canonical import canonicalize, resampled_length
from motionclip.data.fk import forward_kinematics
from motionclip.data.motion import Motion, check_motion
from motionclip.data.rotations import sixd_to_matrix
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError, SkeletonError
from motionclip.model.smoothing import smooth_time
from motionclip.model.transformer import MotionDecoder, MotionEncoder

if TYPE_CHECKING:
    from motionclip.text import EmbeddingBackend


MAX_GENERATE_SECONDS = LIMITS.max_seconds
RECENT_SEGMENTS = 3  # a long path never jumps back to one of its last 3 segments (no loops)


def check_bank_weight(weight: float) -> float:
    """The slerp weight between a text's embedding (0) and a training latent near it (1)."""
    return check_number(weight, "bank weight", minimum=0.0, maximum=1.0)  # also rejects NaN


class MotionCLIP(nn.Module):
    """Transformer motion auto-encoder whose latent lives in a text/image embedding space.

    Frames are ``J * 6`` rotation numbers (6D, local per joint) followed by the root
    translation (3), normalised with training-set statistics stored in the model.
    """

    # buffers (saved with the weights)
    rot_mean: torch.Tensor  # (J, 6)
    rot_std: torch.Tensor  # (J, 6)
    trans_mean: torch.Tensor  # (3,)
    trans_std: torch.Tensor  # (3,)
    offsets: torch.Tensor  # (J, 3) metres
    bank_codes: torch.Tensor  # (N, D) int8
    bank_scale: torch.Tensor  # (N,)
    bank_take: torch.Tensor  # (N,) int32
    bank_start: torch.Tensor  # (N,) int32

    def __init__(
        self,
        config: ModelConfig,
        skeleton: Skeleton,
        stats: dict[str, torch.Tensor] | None = None,
        bank_size: int = 0,
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
        # training-latent directions (int8 codes + row scales); empty = decode texts directly
        self.register_buffer("bank_codes", torch.zeros(bank_size, cfg.latent_dim, dtype=torch.int8))
        self.register_buffer("bank_scale", torch.zeros(bank_size))
        # take id and start frame of each bank window (long motions follow takes onward)
        self.register_buffer("bank_take", torch.zeros(bank_size, dtype=torch.int32))
        self.register_buffer("bank_start", torch.zeros(bank_size, dtype=torch.int32))
        # how much each bank window's limbs move (segments.activity); all 0 = not recorded
        self.register_buffer("bank_activity", torch.zeros(bank_size))
        self._backend: EmbeddingBackend | None = None
        self._bank_cache: tuple[torch.Tensor, torch.Tensor] | None = None
        self.meta: dict[str, Any] = {}  # the checkpoint's JSON description, once loaded

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

    @property
    def generation(self) -> GenerationConfig:
        return self.config.generation

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
        was_training = self.training
        self.eval()
        z = self.encode(rot.to(device), tr.to(device), mask.to(device) if min(lengths) < t else None)
        self.train(was_training)
        return z.cpu()

    def encode_text(self, texts: str | Sequence[str]) -> torch.Tensor:
        """(N, D) L2-normalised text embeddings from the model's backend."""
        return self.backend.encode_text(check_texts(texts))

    def text_latent(self, texts: str | Sequence[str]) -> torch.Tensor:
        """(N, D) decodable latents for texts: unit text embeddings scaled to the mean
        norm of training motion latents (what the decoder was trained on)."""
        return self.encode_text(texts) * self.latent_norm

    # -- latent bank (see motionclip.model.latent_bank) -----------------------------------
    @property
    def bank_size(self) -> int:
        return int(self.bank_codes.shape[0])

    def bank_directions(self) -> torch.Tensor:
        """(N, D) unit training-latent directions (dequantised once, then cached)."""
        from motionclip.model.latent_bank import dequantise

        codes = self.bank_codes
        if self._bank_cache is None or self._bank_cache[0] is not codes:
            self._bank_cache = (codes, dequantise(codes.cpu(), self.bank_scale.cpu()))
        return self._bank_cache[1]

    def set_latent_bank(
        self,
        latents: torch.Tensor,
        take: torch.Tensor | None = None,
        start: torch.Tensor | None = None,
        activity: torch.Tensor | None = None,
    ) -> None:
        """Keep the directions of (N, D) training latents for generation, with the take
        and start frame of each window (so long motions can follow a take onward) and how
        much its limbs move (so generation can skip the still ends of takes)."""
        from motionclip.model.latent_bank import quantise

        if latents.ndim != 2 or latents.shape[1] != self.latent_dim:
            raise MotionCLIPError(f"bank latents must have shape (N, {self.latent_dim}), got {tuple(latents.shape)}")
        n = latents.shape[0]
        take = torch.full((n,), -1) if take is None else torch.as_tensor(take)
        start = torch.full((n,), -1) if start is None else torch.as_tensor(start)
        activity = torch.zeros(n) if activity is None else torch.as_tensor(activity).float()
        if take.shape != (n,) or start.shape != (n,) or activity.shape != (n,):
            raise MotionCLIPError("bank take/start/activity must have one entry per latent")
        if not bool(torch.isfinite(activity).all()) or bool((activity < 0).any()):
            raise MotionCLIPError("bank activity must be finite and >= 0")
        codes, scale = quantise(latents)
        device = self.rot_mean.device
        self.bank_codes, self.bank_scale = codes.to(device), scale.to(device)
        self._bank_cache = None
        self.bank_take, self.bank_start = take.to(torch.int32).to(device), start.to(torch.int32).to(device)
        self.bank_activity = activity.to(device)

    @torch.no_grad()
    def measure_bank_activity(self, size: int = 256) -> torch.Tensor:
        """Decode every bank latent (as generation with bank weight 1 would) and record how
        much its limbs move (:func:`motionclip.model.segments.activity`), for the draw."""
        from motionclip.model.segments import activity

        was_training = self.training
        self.eval()
        bank, out = self.bank_directions(), []
        for s in range(0, self.bank_size, size):
            z = (bank[s : s + size] * self.latent_norm).to(self.rot_mean.device)
            rot, _ = self.decode_features(z, self.window)
            out.append(activity(sixd_to_matrix(rot.float())).cpu())
        self.train(was_training)
        self.bank_activity = (torch.cat(out) if out else torch.zeros(0)).to(self.rot_mean.device)
        return self.bank_activity

    def _activity(self) -> torch.Tensor | None:
        """The bank windows' limb activity for the neighbour draw (None if not recorded)."""
        act = self.bank_activity.float().cpu()
        return act if act.numel() and bool((act > 0).any()) else None

    def _bank_weight(self, samples: int, bank_weight: float | None) -> float:
        """The slerp weight generation uses (0 = direct text decoding), after checking the
        arguments: ``samples`` >= 1, weight in [0, 1], several samples need a bank."""
        check_int(samples, "samples")
        weight = check_bank_weight(self.generation.bank_weight if bank_weight is None else bank_weight)
        if self.bank_size == 0:
            if samples > 1:
                raise MotionCLIPError("this checkpoint has no latent bank, so it gives one motion per prompt")
            return 0.0
        return weight

    def generation_latents(
        self,
        texts: str | Sequence[str],
        samples: int = 1,
        seed: int = 0,
        bank_weight: float | None = None,
    ) -> torch.Tensor:
        """(N * samples, D) latents to decode for texts, prompt-major (all samples of
        prompt 0 first). ``bank_weight`` (default: the checkpoint's) 0 = the paper's direct
        text decoding; needs a latent bank otherwise."""
        from motionclip.model.latent_bank import pick_neighbours, slerp

        weight = self._bank_weight(samples, bank_weight)
        text = self.text_latent(texts).float()
        if weight == 0.0:
            return text.repeat_interleave(samples, dim=0)
        bank = self.bank_directions()
        g = self.generation
        rows = pick_neighbours(
            text, bank, samples, g.top_k, g.temperature, seed, self._activity(), g.pool, g.active_quantile
        )  # (N, samples)
        near = bank[rows.flatten()]
        z = slerp(text.repeat_interleave(samples, dim=0), near, weight)
        return z * self.latent_norm

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
        was_training = self.training
        self.eval()
        rot, tr = self.decode_features(z.to(self.rot_mean.device), frames)
        self.train(was_training)
        mats = sixd_to_matrix(rot.cpu())
        return [Motion(self.skeleton, mats[i], tr[i].cpu(), self.fps) for i in range(len(z))]

    def reconstruct(self, motion: Motion, frames: int | None = None) -> Motion:
        """Encode then decode a motion (canonical form); ``frames`` None = as many as it has at the model's fps."""
        check_motion(motion)
        if frames is not None:
            check_int(frames, "frames", 1, self.cfg.max_frames)
        return self.decode(self.encode_motion(motion), frames or len(canonicalize(motion, fps=self.fps)))[0]

    @overload
    def generate(  # type: ignore[overload-overlap]  # a str is also a Sequence[str]
        self, text: str, frames: int | None = ..., samples: int = ..., seed: int = ..., bank_weight: float | None = ...
    ) -> Motion | list[Motion]: ...
    @overload
    def generate(
        self,
        text: Sequence[str],
        frames: int | None = ...,
        samples: int = ...,
        seed: int = ...,
        bank_weight: float | None = ...,
    ) -> list[Motion]: ...
    def generate(
        self,
        text: str | Sequence[str],
        frames: int | None = None,
        samples: int = 1,
        seed: int = 0,
        bank_weight: float | None = None,
    ) -> Motion | list[Motion]:
        """Text -> motion. One prompt and one sample give a Motion, otherwise a list
        (prompt-major). Same seed, same motions; see :meth:`generation_latents`."""
        n, samples, seed = self._check_generation(text, frames, samples, seed, bank_weight)
        if n > max(self.window, self.trained_frames):
            motions = self._generate_long(text, n, samples, seed, bank_weight)
        else:
            motions = self.decode(self.generation_latents(text, samples, seed, bank_weight), n)
        return motions[0] if isinstance(text, str) and samples == 1 else motions

    def _check_generation(
        self, text: Any, frames: Any, samples: Any, seed: Any, bank_weight: Any
    ) -> tuple[int, int, int]:
        """The arguments of :meth:`generate`, before any work: texts, frames in 1..the longest
        (:data:`MAX_GENERATE_SECONDS`; None = the window), samples >= 1, a seed in [0, 2**63),
        a bank weight in [0, 1]. Returns frames, samples and seed as ints."""
        check_texts(text)
        longest = max(int(MAX_GENERATE_SECONDS * self.fps), self.window, self.trained_frames)
        n = (
            self.window
            if frames is None
            else check_int(frames, "frames", 1, longest, note=f" ({longest / self.fps:g} s)")
        )
        if bank_weight is not None:
            check_bank_weight(bank_weight)
        seed = check_int(seed, "seed", minimum=0)
        if seed >= 2**63:
            raise MotionCLIPError(f"seed must be below 2**63, got {seed}")
        return n, check_int(samples, "samples"), seed

    @torch.no_grad()
    def _generate_long(
        self, text: str | Sequence[str], frames: int, samples: int, seed: int, bank_weight: float | None
    ) -> list[Motion]:
        """Motions longer than the window, as overlapping blended segments (:mod:`.segments`)."""
        from motionclip.model import segments
        from motionclip.model.latent_bank import pick_neighbours, slerp

        weight = self._bank_weight(samples, bank_weight)
        n_seg, hop, overlap = segments.plan(frames, self.window)
        texts = self.text_latent(text).float()
        segs_per_path: list[list[Motion]] = []
        if weight > 0:
            g = self.generation
            bank = self.bank_directions()
            firsts = pick_neighbours(
                texts, bank, samples, g.top_k, g.temperature, seed, self._activity(), g.pool, g.active_quantile
            )
            take, start = self.bank_take.cpu().tolist(), self.bank_start.cpu().tolist()
            where = {(t, s): i for i, (t, s) in enumerate(zip(take, start))}
            for i in range(len(texts)):
                near = (texts[i] @ bank.T).topk(min(g.top_k, self.bank_size)).indices.tolist()
                later = [where.get((take[r], start[r] + d)) for r in near for d in (20, 40)]
                candidates = list(dict.fromkeys(near + [r for r in later if r is not None]))

                def latent(rows: list[int], i: int = i) -> torch.Tensor:
                    return slerp(texts[i : i + 1].expand(len(rows), -1), bank[rows], weight) * self.latent_norm

                options = self.decode(latent(candidates), self.window)  # the same for every jump
                option_rot = torch.stack([m.rotations for m in options])
                active = segments.activity(option_rot)
                for k in range(samples):
                    row = int(firsts[i, k])
                    segs = self.decode(latent([row]), self.window)
                    used = [row]
                    for _ in range(n_seg - 1):
                        nxt = where.get((take[row], start[row] + hop))
                        if nxt is not None:
                            row = nxt
                            segs += self.decode(latent([row]), self.window)
                        else:
                            allowed = segments.jump_targets(active, candidates, used[-RECENT_SEGMENTS:])
                            j = int(allowed[segments.best_match(segs[-1].rotations, option_rot[allowed], hop, overlap)])
                            row = candidates[j]
                            segs.append(options[j])
                        used.append(row)
                    segs_per_path.append(segs)
        else:  # no bank: every segment decodes the text itself
            decoded = self.decode(texts.repeat_interleave(samples, dim=0), self.window)
            segs_per_path = [[m] * n_seg for m in decoded]
        out = []
        for seg in segs_per_path:
            rot, trans = segments.stitch(
                [m.rotations for m in seg], [m.root_translation for m in seg], hop, overlap, frames
            )
            out.append(Motion(self.skeleton, rot, trans, self.fps))
        return out
