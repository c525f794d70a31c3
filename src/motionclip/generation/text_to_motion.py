"""MotionCLIP for text-to-motion: the network (:class:`~motionclip.model.autoencoder.MotionAutoencoder`)
plus its latent bank, the seeded neighbour draw and the long-motion path.

``model.generate("a person walks")`` decodes, for each prompt, the text latent moved towards a
training latent near it (:mod:`.latent_bank`); motions longer than the trained window follow
takes onward segment by segment (:mod:`.long_motion`). Every argument is checked once, by
:class:`~motionclip.generation.request.GenerateRequest`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Self, overload

import torch

from motionclip.data.motion import Motion
from motionclip.data.rotations import sixd_to_matrix
from motionclip.data.skeleton import Skeleton
from motionclip.errors import MotionCLIPError
from motionclip.generation.latent_bank import dequantise, pick_neighbours, quantise, slerp
from motionclip.generation.request import GenerateRequest
from motionclip.generation.segments import activity
from motionclip.model.autoencoder import MotionAutoencoder
from motionclip.model.config import GenerationConfig, ModelConfig

BANK = ("bank_codes", "bank_scale", "bank_take", "bank_start")  # the latent bank, stored together


class MotionCLIP(MotionAutoencoder):
    """The auto-encoder with what text-to-motion needs beside the weights: the directions of
    the training latents (int8), the take and start frame of each and how much its limbs move."""

    # v1 files from before the latent bank have no bank; v1/v2 files may lack its activity
    OPTIONAL_TENSORS: ClassVar[Mapping[str, int]] = {"bank_activity": 2, **{name: 1 for name in BANK}}
    TENSOR_GROUPS: ClassVar[tuple[tuple[str, ...], ...]] = (BANK,)

    bank_codes: torch.Tensor  # (N, D) int8
    bank_scale: torch.Tensor  # (N,)
    bank_take: torch.Tensor  # (N,) int32
    bank_start: torch.Tensor  # (N,) int32
    bank_activity: torch.Tensor  # (N,)

    def __init__(
        self,
        config: ModelConfig,
        skeleton: Skeleton,
        stats: dict[str, torch.Tensor] | None = None,
        bank_size: int = 0,
    ) -> None:
        super().__init__(config, skeleton, stats)
        d = config.architecture.latent_dim
        # training-latent directions (int8 codes + row scales); empty = decode texts directly
        self.register_buffer("bank_codes", torch.zeros(bank_size, d, dtype=torch.int8))
        self.register_buffer("bank_scale", torch.zeros(bank_size))
        # take id and start frame of each bank window (long motions follow takes onward)
        self.register_buffer("bank_take", torch.zeros(bank_size, dtype=torch.int32))
        self.register_buffer("bank_start", torch.zeros(bank_size, dtype=torch.int32))
        # how much each bank window's limbs move (segments.activity); all 0 = not recorded
        self.register_buffer("bank_activity", torch.zeros(bank_size))
        self._bank_cache: tuple[torch.Tensor, torch.Tensor] | None = None

    @classmethod
    def sized_for(cls, config: ModelConfig, skeleton: Skeleton, state: dict[str, torch.Tensor]) -> Self:
        codes = state.get("bank_codes")
        return cls(config, skeleton, bank_size=0 if codes is None else int(codes.shape[0]))

    @property
    def generation(self) -> GenerationConfig:
        """The draw settings stored with the checkpoint (``ModelConfig.generation``)."""
        return self.config.generation

    # -- the latent bank ----------------------------------------------------------------
    @property
    def bank_size(self) -> int:
        return int(self.bank_codes.shape[0])

    def bank_directions(self) -> torch.Tensor:
        """(N, D) unit training-latent directions (dequantised once, then cached)."""
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
        much its limbs move (:func:`motionclip.generation.segments.activity`), for the draw."""
        bank, out = self.bank_directions(), []
        with self.evaluating():
            for s in range(0, self.bank_size, size):
                z = (bank[s : s + size] * self.latent_norm).to(self.rot_mean.device)
                rot, _ = self.decode_features(z, self.window)
                out.append(activity(sixd_to_matrix(rot.float())).cpu())
        self.bank_activity = (torch.cat(out) if out else torch.zeros(0)).to(self.rot_mean.device)
        return self.bank_activity

    def bank_activity_or_none(self) -> torch.Tensor | None:
        """The bank windows' limb activity for the neighbour draw (None if not recorded)."""
        act = self.bank_activity.float().cpu()
        return act if act.numel() and bool((act > 0).any()) else None

    def neighbours(self, text: torch.Tensor, samples: int, seed: int) -> torch.Tensor:
        """(N, samples) bank rows drawn near each text latent (N, D) with the checkpoint's settings."""
        g = self.generation
        return pick_neighbours(
            text,
            self.bank_directions(),
            samples,
            g.top_k,
            g.temperature,
            seed,
            self.bank_activity_or_none(),
            g.pool,
            g.active_quantile,
        )

    # -- text to motion -----------------------------------------------------------------
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
        request = GenerateRequest.build(texts, None, samples, seed, bank_weight, compose=False)
        return self.request_latents(request, request.weight_for(self))

    def request_latents(self, request: GenerateRequest, weight: float) -> torch.Tensor:
        """:meth:`generation_latents` of a checked request at slerp ``weight``."""
        text = self.text_latent(list(request.prompts)).float()
        if weight == 0.0:
            return text.repeat_interleave(request.samples, dim=0)
        rows = self.neighbours(text, request.samples, request.seed)  # (N, samples)
        near = self.bank_directions()[rows.flatten()]
        z = slerp(text.repeat_interleave(request.samples, dim=0), near, weight)
        return z * self.latent_norm

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
        request = GenerateRequest.build(text, frames, samples, seed, bank_weight, compose=False)
        motions = self.run(request)
        return motions[0] if isinstance(text, str) and samples == 1 else motions

    @torch.no_grad()
    def run(self, request: GenerateRequest) -> list[Motion]:
        """The motions of a checked request, prompt-major (its ``compose`` is the apps' to honour)."""
        frames, weight = request.frames_for(self), request.weight_for(self)
        if frames > max(self.window, self.trained_frames):
            from motionclip.generation.long_motion import generate_long

            return generate_long(self, request, frames, weight)
        return self.decode(self.request_latents(request, weight), frames)
