"""Generation quality with a judge classifier (Action2Motion / ACTOR protocol).

- accuracy: the judge's content/style prediction on motions generated from prompts,
  against the labels each prompt asks for;
- FID: Frechet distance between Gaussians fitted to judge features of the generated set and
  of the real test windows;
- diversity: mean feature distance over ``S_d = 200`` random pairs of the set;
- within-content variety (``within_content_variety``): mean feature distance over
  ``S_l = 20`` random pairs within each content class, averaged over classes. This is the
  variety *between prompts* of one content (e.g. its styles), NOT ACTOR's multimodality
  (variety among samples of one prompt), which needs sampling;
- realism (:mod:`.realism`): limb speed, step amplitude, foot skating and jerk of the
  generated motions beside the real windows of the same content;
- R-precision (Guo et al. 2022 protocol, in MotionCLIP's own latent space): each generated
  motion is re-encoded and its prompt ranked among itself and 31 other prompts by cosine;
  top-1/2/3 hit rates. ``reencoding_cosine`` is ``cos(E(D(t)), t)`` for the text latent t.

The real "ceiling" uses the same recipe on real data: judge accuracy on the test windows,
and FID/diversity/multimodality for a matched real set (one random TRAIN window per prompt
with that prompt's (content, style)), so sample sizes and label mix equal the generated
set's and FID's small-sample bias is shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from motionclip.apps.eval.judge import Judge
from motionclip.apps.eval.prompts import Prompt
from motionclip.data.cache import MotionCache
from motionclip.generation.text_to_motion import MotionCLIP

DIVERSITY_PAIRS = 200
MULTIMODALITY_PAIRS = 20


def fid(a: torch.Tensor, b: torch.Tensor) -> float:
    """Frechet distance between Gaussian fits of two feature sets (N, F), float64."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a = torch.cov(a.T) if len(a) > 1 else torch.zeros(a.shape[1], a.shape[1], dtype=a.dtype)
    cov_b = torch.cov(b.T) if len(b) > 1 else torch.zeros(b.shape[1], b.shape[1], dtype=b.dtype)
    # tr(sqrt(A B)) = sum sqrt(eig(sqrt(A) B sqrt(A))), with sqrt(A) from a symmetric eigh
    w, v = torch.linalg.eigh(cov_a)
    root_a = (v * w.clamp_min(0).sqrt()) @ v.T
    mid = root_a @ cov_b @ root_a
    tr_sqrt = torch.linalg.eigvalsh((mid + mid.T) / 2).clamp_min(0).sqrt().sum()
    value = (mu_a - mu_b).square().sum() + torch.trace(cov_a) + torch.trace(cov_b) - 2 * tr_sqrt
    return float(value.clamp_min(0))


def diversity(feats: torch.Tensor, pairs: int = DIVERSITY_PAIRS, seed: int = 0) -> float:
    """Mean distance of ``pairs`` random pairs (ACTOR's S_d)."""
    if len(feats) < 2:
        return float("nan")
    g = torch.Generator().manual_seed(seed)
    i = torch.randint(len(feats), (pairs,), generator=g)
    j = torch.randint(len(feats), (pairs,), generator=g)
    return float((feats[i] - feats[j]).norm(dim=-1).mean())


def multimodality(feats: torch.Tensor, labels: torch.Tensor, pairs: int = MULTIMODALITY_PAIRS, seed: int = 0) -> float:
    """Mean within-class pair distance, averaged over classes with at least two samples."""
    g = torch.Generator().manual_seed(seed)
    vals = []
    for c in torch.unique(labels):
        f = feats[labels == c]
        if len(f) < 2:
            continue
        i = torch.randint(len(f), (pairs,), generator=g)
        j = torch.randint(len(f), (pairs,), generator=g)
        vals.append((f[i] - f[j]).norm(dim=-1).mean())
    return float(torch.stack(vals).mean()) if vals else float("nan")


def _set_stats(
    pred: dict[str, torch.Tensor], content: torch.Tensor, style: torch.Tensor, ref: torch.Tensor
) -> dict[str, Any]:
    return {
        "content_acc": float((pred["content"] == content).float().mean()),
        "style_acc": float((pred["style"] == style).float().mean()),
        "fid": fid(pred["features"], ref),
        "diversity": diversity(pred["features"]),
        "within_content_variety": multimodality(pred["features"], content),
        "n": len(content),
    }


@torch.no_grad()
def generate_windows(
    model: MotionCLIP,
    texts: Sequence[str],
    frames: int,
    size: int = 128,
    bank_weight: float | None = None,
    samples: int = 1,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(rot6d, trans) of ``model.generate`` for each prompt (the user-facing code path);
    with ``samples`` > 1, prompt-major."""
    rots, trs = [], []
    for s in range(0, len(texts), size):
        motions = model.generate(list(texts[s : s + size]), frames, samples, seed, bank_weight)
        rots += [m.rotations_6d() for m in motions]
        trs += [m.root_translation for m in motions]
    return torch.stack(rots), torch.stack(trs)


def generation_quality(
    model: MotionCLIP,
    judge: Judge,
    cache: MotionCache,
    prompts: Sequence[Prompt],
    test_idx: torch.Tensor,
    seed: int = 0,
    bank_weight: float | None = None,
    durations: Sequence[float] = (),
) -> dict[str, Any]:
    """Judge metrics for generated motions and the matched real ceiling.

    ``bank_weight``: how text latents are decoded (None = the checkpoint's setting; 0 =
    the paper's direct decoding); reported in the output."""
    content = torch.tensor([cache.contents.index(p.content) for p in prompts])
    style = torch.tensor([cache.styles.index(p.style) for p in prompts])
    rot, tr = cache.windows(test_idx)
    real_test = judge.predict(rot, tr)
    test_lab = cache.window_labels(test_idx)
    g_rot, g_tr = generate_windows(model, [p.text for p in prompts], cache.window, bank_weight=bank_weight)
    pred = judge.predict(g_rot, g_tr)
    generated = _set_stats(pred, content, style, real_test["features"])
    generated["bank_weight"] = model.generation.bank_weight if bank_weight is None else float(bank_weight)
    if model.bank_size == 0:
        generated["bank_weight"] = 0.0
    generated["active_quantile"] = model.generation.active_quantile
    generated["per_dataset"] = _per_dataset(cache, pred, content, style)

    # matched real set: one random train window per prompt with the prompt's labels
    train_idx = cache.window_indices("train")
    tl = cache.window_labels(train_idx)
    g = torch.Generator().manual_seed(seed)
    picks, keep = [], []
    for n, (c, s) in enumerate(zip(content.tolist(), style.tolist())):
        cand = torch.nonzero((tl["content"] == c) & (tl["style"] == s)).flatten()
        if len(cand):
            picks.append(int(train_idx[cand[torch.randint(len(cand), (1,), generator=g)]]))
            keep.append(n)
    real: dict[str, Any] = {
        "content_acc": float((real_test["content"] == test_lab["content"]).float().mean()),
        "style_acc": float((real_test["style"] == test_lab["style"]).float().mean()),
        "accuracy_on": f"real {len(test_idx)} windows of the evaluated split",
    }
    if picks:
        r_rot, r_tr = cache.windows(torch.tensor(picks))
        matched = judge.predict(r_rot, r_tr)
        keep_t = torch.tensor(keep)
        real.update(
            fid=fid(matched["features"], real_test["features"]),
            diversity=diversity(matched["features"]),
            within_content_variety=multimodality(matched["features"], content[keep_t]),
            matched_n=len(picks),
        )
    else:
        real.update(fid=None, diversity=None, within_content_variety=None, matched_n=0)
    generated.update(latent_checks(model, [p.text for p in prompts], g_rot, g_tr, seed))
    generated["realism"] = _realism(model, cache, g_rot, g_tr, content, test_idx)
    if durations:
        generated["by_duration"] = accuracy_by_duration(model, judge, prompts, content, style, durations, cache.window)
    if model.bank_size > 0 and generated["bank_weight"] > 0:
        generated["samples"] = sample_multimodality(model, judge, cache, prompts, content, style, seed=seed)
    return {"generated": generated, "real": real}


R_PRECISION_POOL = 32
MULTIMODALITY_SAMPLES = 5


def sample_multimodality(
    model: MotionCLIP,
    judge: Judge,
    cache: MotionCache,
    prompts: Sequence[Prompt],
    content: torch.Tensor,
    style: torch.Tensor,
    samples: int = MULTIMODALITY_SAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """ACTOR's multimodality: variety among ``samples`` motions of the SAME prompt (mean
    pairwise judge-feature distance, averaged over prompts), beside the same figure for
    ``samples`` real train windows of the prompt's (content, style), and the judge's
    accuracy on the samples."""
    texts = [p.text for p in prompts]
    pred = judge.predict(*generate_windows(model, texts, cache.window, size=64, samples=samples, seed=seed))
    feats = pred["features"].reshape(len(texts), samples, -1)
    gen = torch.stack([torch.pdist(f).mean() for f in feats])
    rep_c, rep_s = content.repeat_interleave(samples), style.repeat_interleave(samples)
    train_idx = cache.window_indices("train")
    tl = cache.window_labels(train_idx)
    g = torch.Generator().manual_seed(seed)
    real_vals = []
    for c, st in zip(content.tolist(), style.tolist()):
        cand = torch.nonzero((tl["content"] == c) & (tl["style"] == st)).flatten()
        if len(cand) < 2:
            continue
        pick = train_idx[cand[torch.randperm(len(cand), generator=g)[:samples]]]
        r_rot, r_tr = cache.windows(pick)
        real_vals.append(torch.pdist(judge.predict(r_rot, r_tr)["features"]).mean())
    return {
        "samples_per_prompt": samples,
        "multimodality": float(gen.mean()),
        "real_multimodality": float(torch.stack(real_vals).mean()) if real_vals else None,
        "content_acc": float((pred["content"] == rep_c).float().mean()),
        "style_acc": float((pred["style"] == rep_s).float().mean()),
        "prompts": len(texts),
    }


def chunk_windows(
    rot: torch.Tensor, trans: torch.Tensor, window: int, parents: Sequence[int], offsets: torch.Tensor, pairs: list
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Cut (N, T, J, 6) motions into consecutive windows, each put in canonical form (as the
    judge saw real windows). Returns rot (N*K, W, J, 6), trans (N*K, W, 3) and the row of
    the motion each window came from."""
    from motionclip.data.cache import canonical_window
    from motionclip.data.canonical import heading_yaw
    from motionclip.data.fk import forward_kinematics
    from motionclip.data.rotations import sixd_to_matrix

    k = rot.shape[1] // window
    rot = rot[:, : k * window].reshape(-1, window, *rot.shape[2:])
    trans = trans[:, : k * window].reshape(-1, window, 3)
    first = forward_kinematics(sixd_to_matrix(rot[:, 0]), trans[:, 0], offsets, parents)
    yaw = heading_yaw(first, pairs)
    rot, trans = canonical_window(rot, trans, yaw)
    return rot, trans, torch.arange(len(rot)) // k


def accuracy_by_duration(
    model: MotionCLIP,
    judge: Judge,
    prompts: Sequence[Prompt],
    content: torch.Tensor,
    style: torch.Tensor,
    seconds: Sequence[float],
    window: int,
) -> dict[str, Any]:
    """Judge accuracy of motions generated at each duration, over all their consecutive
    ``window``-frame pieces (each canonicalised), so long motions are judged throughout."""
    from motionclip.data.canonical import facing_pairs

    pairs = facing_pairs(model.skeleton)
    out: dict[str, Any] = {}
    for s in seconds:
        frames = max(window, round(s * model.fps))
        g_rot, g_tr = generate_windows(model, [p.text for p in prompts], frames)
        rot, tr, row = chunk_windows(g_rot, g_tr, window, model.skeleton.parents, model.offsets.cpu(), pairs)
        pred = judge.predict(rot, tr)
        out[f"{s:g}s"] = {
            "content_acc": float((pred["content"] == content[row]).float().mean()),
            "style_acc": float((pred["style"] == style[row]).float().mean()),
            "windows_judged": len(row),
            "frames": frames,
        }
    return out


def _per_dataset(
    cache: MotionCache, pred: dict[str, torch.Tensor], content: torch.Tensor, style: torch.Tensor
) -> dict[str, Any]:
    """Judge accuracy of the prompts whose (content, style) pair occurs in each dataset."""
    t = cache.tensors
    out: dict[str, Any] = {}
    for d, name in enumerate(cache.datasets):
        takes = t["take_dataset"] == d
        pairs = set(zip(t["take_content"][takes].tolist(), t["take_style"][takes].tolist()))
        sel = torch.tensor([(c, s) in pairs for c, s in zip(content.tolist(), style.tolist())], dtype=torch.bool)
        if not bool(sel.any()):
            continue
        out[name] = {
            "content_acc": float((pred["content"][sel] == content[sel]).float().mean()),
            "style_acc": float((pred["style"][sel] == style[sel]).float().mean()),
            "n": int(sel.sum()),
        }
    return out


@torch.no_grad()
def latent_checks(
    model: MotionCLIP, texts: Sequence[str], g_rot: torch.Tensor, g_tr: torch.Tensor, seed: int = 0
) -> dict[str, Any]:
    """R-precision (top-1/2/3 among 32 prompts) and re-encoding cosine of generated motions."""
    import torch.nn.functional as F

    unique = sorted(set(texts))
    emb = F.normalize(model.encode_text(unique), dim=-1)
    row = torch.tensor([unique.index(t) for t in texts])
    z = F.normalize(model.encode(g_rot, g_tr).cpu(), dim=-1)
    reenc = float((z * emb[row]).sum(-1).mean())
    out: dict[str, Any] = {"reencoding_cosine": reenc, "r_precision": None}
    if len(unique) < 2:
        return out
    g = torch.Generator().manual_seed(seed)
    pool = min(R_PRECISION_POOL, len(unique))
    hits = torch.zeros(3)
    for i in range(len(texts)):
        others = torch.randperm(len(unique), generator=g)
        others = others[others != row[i]][: pool - 1]
        cand = torch.cat([row[i : i + 1], others])
        sims = z[i] @ emb[cand].T
        rank = int((sims > sims[0]).sum())  # 0 = the right prompt ranks first
        for k in range(3):
            hits[k] += rank <= k
    out["r_precision"] = {f"top{k + 1}": float(hits[k] / len(texts)) for k in range(3)}
    out["r_precision"]["pool"] = pool
    return out


def _realism(
    model: MotionCLIP,
    cache: MotionCache,
    g_rot: torch.Tensor,
    g_tr: torch.Tensor,
    content: torch.Tensor,
    test_idx: torch.Tensor,
) -> dict[str, Any]:
    """Realism of generated motions vs the evaluated split's windows of the same content
    (both on the model's mean skeleton, as the judge sees them)."""
    from motionclip.apps.eval import realism
    from motionclip.data.fk import forward_kinematics
    from motionclip.data.rotations import sixd_to_matrix

    feet = realism.foot_joints(model.skeleton)
    offsets = model.offsets.cpu()
    real = realism.window_stats(cache.window_positions(test_idx, offsets), cache.fps, feet)
    gen_pos = forward_kinematics(sixd_to_matrix(g_rot), g_tr, offsets, model.skeleton.parents)
    gen = realism.window_stats(gen_pos, cache.fps, feet)
    return realism.compare(gen, content, real, cache.window_labels(test_idx)["content"], cache.contents)
