"""Headless, deterministic CPU renderer that draws skeleton motions as a shaded 3-D mannequin.

Why a numpy ray caster: one ray per (sub)pixel with analytic ray/round-cone, ray/sphere and
ray/plane intersections needs no GL stack.  pyrender/OSMesa needs system GL libraries and is
unmaintained; moderngl needs a GL context (EGL/X); matplotlib 3-D only draws line plots.  The
ray caster is pure numpy (deterministic: identical inputs give identical bytes), culls each
limb to its screen box, and renders roughly 40-55 frames/s at 224x224 (2x2 supersampled) on
two CPU cores (see benchmarks/bench_render.py).

Conventions: positions are (T, J, 3) metres, Y up; a canonical character faces +Z with its
left side on +X.  The default camera stands in front of the character, so its LEFT appears
on the image's RIGHT (you face it).  Left limbs are tinted warm (orange), right limbs cool
(blue).
"""

from motionclip.render.config import RenderConfig, RenderError
from motionclip.render.frames import render_frame, render_frames, render_masked_frames
from motionclip.render.grid import render_grid
from motionclip.render.motion import render_motion
from motionclip.render.video import save_animation, save_keyframe_strip

__all__ = [
    "RenderConfig",
    "RenderError",
    "render_frame",
    "render_frames",
    "render_grid",
    "render_masked_frames",
    "render_motion",
    "save_animation",
    "save_keyframe_strip",
]
