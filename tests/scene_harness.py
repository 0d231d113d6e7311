"""Render a manim Scene in-process at a small size and return its frames as numpy arrays.

``frames_comparison`` silently skips on this cairo (see ../shared/NOTES.md), so
scene tests render with :func:`render_frames` and assert what the pixels show;
:func:`rgb`, :func:`background_share` and :func:`assert_frames_alive` are the
checks the scene tests share.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "BACKGROUND",
    "Rendered",
    "assert_frames_alive",
    "assert_layout_clean",
    "assert_text_inside_frame",
    "assert_texts_apart",
    "assert_texts_clear_of",
    "background_share",
    "fingerprint",
    "glyph_heights",
    "layout_boxes",
    "longest_still",
    "misplaced_region_pixels",
    "network_classes",
    "psnr",
    "render_frames",
    "rgb",
    "scene_to_pixel",
    "shoot",
    "text_boxes",
    "text_label",
]

BACKGROUND = "#0e1117"  # what :func:`shoot` draws on
# manim keeps each formula's SVG here by its TeX's hash, so tests run LaTeX once per string,
# as renders from the repository's root do (the same folder).
TEX_DIR = Path(__file__).resolve().parents[1] / "media" / "Tex"


@dataclass
class Rendered:
    """Frames of one render: ``frames[i]`` is ``(H, W, 4)`` uint8 RGBA, shown ``counts[i]``
    times in a row."""

    scene: object
    frames: list[np.ndarray] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    fps: float = 5.0
    probes: list[object] = field(default_factory=list)  # ``probe(scene)`` at every frame

    @property
    def n_frames(self) -> int:
        """Frames in the video (repeats counted)."""
        return int(sum(self.counts))

    @property
    def duration(self) -> float:
        return self.n_frames / self.fps

    def frame_at(self, seconds: float) -> np.ndarray:
        """The frame shown at ``seconds`` (negative counts from the end)."""
        if seconds < 0:
            seconds += self.duration
        index = int(np.clip(seconds * self.fps, 0, self.n_frames - 1))
        return self.frames[int(np.searchsorted(np.cumsum(self.counts), index, side="right"))]


def fingerprint(scene) -> str:
    """A digest of everything the camera would draw: each mobject's points, fill and stroke,
    an image's pixels, and the camera's own orientation."""
    digest = hashlib.blake2b(digest_size=16)
    for mob in scene.get_mobject_family_members():
        if not len(mob.points) and getattr(mob, "pixel_array", None) is None:
            continue  # draws nothing (a Wait adds an empty Mobject to the scene)
        digest.update(f"{id(mob)}:{mob.z_index}".encode())
        for name in ("points", "fill_rgbas", "stroke_rgbas", "background_stroke_rgbas",
                     "rgbas", "pixel_array"):  # fmt: skip
            value = getattr(mob, name, None)
            if isinstance(value, np.ndarray):
                digest.update(np.ascontiguousarray(value).tobytes())
    camera = scene.camera
    for name in ("get_phi", "get_theta", "get_gamma", "get_zoom", "get_focal_distance"):
        if hasattr(camera, name):
            digest.update(repr(float(getattr(camera, name)())).encode())
    frame = getattr(camera, "frame", None)
    if frame is not None:
        digest.update(np.ascontiguousarray(frame.points).tobytes())
    return digest.hexdigest()


def rgb(hex_color: str) -> np.ndarray:
    """``"#rrggbb"`` as a float ``(3,)`` array of 0-255 values."""
    from manim import ManimColor

    return np.array(ManimColor(hex_color).to_int_rgb(), dtype=float)


def background_share(frame: np.ndarray, background: str) -> float:
    """Share of ``frame``'s pixels within 6 (summed over R, G, B) of ``background``."""
    diff = np.abs(frame[..., :3].astype(float) - rgb(background)).sum(-1)
    return float((diff <= 6).mean())


def assert_frames_alive(
    rendered: Rendered,
    background: str,
    *,
    moving: bool = True,
    max_background: float = 0.995,
    min_change: float = 0.01,
    what: str = "",
) -> None:
    """No frame is blank (at most ``max_background`` of it background); with ``moving``,
    the scene moves: some frame of the middle third has more than ``min_change`` of its
    pixels changed (by more than 30) from the first frame, and some from the last.
    ``what`` prefixes the messages.

    A window, not the one middle frame: what the middle frame shows depends on the trained
    network, which differs between CPUs. The README's MyComposed at 480 x 270, 5 fps: the
    middle frame differs from the first in 0.4985% of its pixels on one CPU (the threshold
    was 0.5%), while the middle third's largest change from the first was 2.5% to 36% over
    the trainings measured (tests/scenes/test_readme_scene.py gives the figures).
    """
    prefix = f"{what}: " if what else ""
    for i, frame in enumerate(rendered.frames):
        assert background_share(frame, background) < max_background, f"{prefix}frame {i} is blank"
    if not moving:
        return
    first, last = rendered.frames[0].astype(int), rendered.frames[-1].astype(int)
    third = rendered.duration / 3
    window = [rendered.frame_at(third + third * i / 8).astype(int) for i in range(9)]
    for other, name in ((first, "first"), (last, "last")):
        changed = max((np.abs(frame - other).sum(-1) > 30).mean() for frame in window)
        assert changed > min_change, (
            f"{prefix}the middle third looks like the {name} frame "
            f"({changed:.3%} of the pixels changed at most)"
        )


def text_label(mob) -> str:
    """What a text unit (a ``Text``, a formula, a number) says, for messages."""
    for attr in ("text", "tex_string"):
        if isinstance(getattr(mob, attr, None), str):
            return getattr(mob, attr)
    if "lines_text" in vars(mob):
        return mob.lines_text.text[:40]  # a Paragraph (Code's lines): its first characters
    if "get_value" in dir(type(mob)):
        return f"{mob.get_value():g}"
    return type(mob).__name__


def _units(scene) -> list:
    from scenes.lib import text_units

    return text_units(scene.mobjects)


def assert_text_inside_frame(scene, margin: float = 0.02, inset: float = 0.0) -> None:
    """Every piece of text in ``scene`` (as it ends) lies inside the frame: words, formulas,
    numbers.

    ``inset > 0`` asks for that much room between every text and the frame's edge
    (``margin`` is the tolerance the other way, past the edge).
    """
    half_w, half_h = scene.camera.frame_width / 2, scene.camera.frame_height / 2
    for part in _units(scene):
        points = part.get_all_points()
        if len(points) == 0:
            continue
        (x0, y0, _), (x1, y1, _) = points.min(0), points.max(0)
        slack = margin if inset <= 0 else -inset
        inside = -half_w - slack <= x0 and x1 <= half_w + slack
        inside &= -half_h - slack <= y0 and y1 <= half_h + slack
        assert inside, (
            f"text {text_label(part)!r} runs off the frame ({x0:.2f}..{x1:.2f}, {y0:.2f}..{y1:.2f})"
        )


def _opacity(mob) -> float:
    """The largest fill opacity in ``mob``'s family (a Text's glyphs carry it)."""
    values = [float(np.max(m.get_fill_opacities(), initial=0.0)) for m in mob.get_family()
              if len(m.points)]  # fmt: skip
    return max(values, default=0.0)


def text_boxes(scene, min_opacity: float = 0.05) -> list[tuple[str, np.ndarray]]:
    """Every visible text of ``scene`` now (words, formulas, numbers):
    ``(what it says, [x0, y0, x1, y1])`` in scene units.

    Visible means some glyph has fill opacity of at least ``min_opacity`` (a text
    fading out or not yet faded in is below it).
    """
    out = []
    for part in _units(scene):
        points = part.get_all_points()
        if len(points) == 0 or _opacity(part) < min_opacity:
            continue
        (x0, y0, _), (x1, y1, _) = points.min(0), points.max(0)
        out.append((text_label(part), np.array([x0, y0, x1, y1])))
    return out


def _visible(mob, min_opacity: float) -> bool:
    """Whether ``mob`` shows: a glyph or square with that much fill, an image that opaque."""
    if hasattr(mob, "pixel_array"):
        return float(np.asarray(mob.pixel_array)[..., 3].max()) / 255.0 >= min_opacity
    parts = [m for m in mob.get_family() if hasattr(m, "pixel_array")]
    if parts:
        return any(_visible(m, min_opacity) for m in parts)
    return _opacity(mob) >= min_opacity


SHORT_LETTERS = set("acemnorsuvwxz")  # x-height letters: no ascender, no descender
X_HEIGHT = 0.7  # a text of short letters only is judged by its x-height / this (a cap's share)


def glyph_heights(scene, min_opacity: float = 0.05) -> list[tuple[str, float]]:
    """Every visible text of ``scene`` now with the height of its tallest glyph, in scene
    units: ``(what it says, height)``.

    The tallest glyph is a capital, a digit or an ascender (about 0.7 of the font's size),
    so a text in small letters is not taken for a small text; a text of x-height letters
    only (``x``, ``z``, ``an``) counts its height over :data:`X_HEIGHT`. A text with no
    letter or digit (a lone ``=``) is left out: an operator's glyph is short at any size.
    A line of words taller than wide (turned on its side) is measured across.
    """
    from manim import Text

    from scenes.lib.captions import TEXT_KINDS

    out, seen = [], set()

    def measure(mob) -> None:
        label = text_label(mob)
        letters = {c for c in label.lower() if c.isalnum()}
        if not letters or not _visible(mob, min_opacity):
            return
        leaves = [m for m in mob.get_family() if not m.submobjects and len(m.points)]
        # a line of words turned on its side (a formula's tall bracket is not one)
        turned = isinstance(mob, Text) and len(leaves) > 1 and mob.height > mob.width
        glyphs = [m.width if turned else m.height for m in leaves]
        if glyphs:
            short = letters <= SHORT_LETTERS
            out.append((label, float(max(glyphs)) / (X_HEIGHT if short else 1.0)))

    def walk(mob) -> None:
        if id(mob) in seen:
            return
        seen.add(id(mob))
        if isinstance(mob, TEXT_KINDS):
            measure(mob)
            return
        for part in mob.submobjects:
            walk(part)

    for mob in scene.mobjects:
        walk(mob)
    return out


TILE = "a digit tile"  # the label :func:`layout_boxes` gives a tile

Box = tuple[str, np.ndarray, frozenset]  # what, [x0, y0, x1, y1], the groups it sits in


def layout_boxes(scene, min_opacity: float = 0.05) -> list[Box]:
    """Every visible text (as :func:`text_boxes`) and digit tile (``digit_tile`` marks them):
    ``(what, [x0, y0, x1, y1], ids of the groups holding it)``."""
    from scenes.lib.captions import TEXT_KINDS

    out, seen = [], set()

    def walk(mob, groups: frozenset) -> None:
        if id(mob) in seen:
            return
        seen.add(id(mob))
        is_tile = getattr(mob, "digit_tile", False)
        if isinstance(mob, TEXT_KINDS) or is_tile:
            points = mob.get_all_points()
            if len(points) and _visible(mob, min_opacity):
                (x0, y0, _), (x1, y1, _) = points.min(0), points.max(0)
                what = TILE if is_tile else text_label(mob)
                out.append((what, np.array([x0, y0, x1, y1]), groups))
            return
        for part in mob.submobjects:
            walk(part, groups | {id(mob)})

    for mob in scene.mobjects:
        walk(mob, frozenset())
    return out


def assert_layout_clean(
    frames: list[list[Box]],
    frame_size: tuple[float, float],
    tile_pad: float = 0.25,
    margin: float = 0.02,
    what: str = "",
) -> None:
    """In every frame's boxes (from :func:`layout_boxes`, e.g. probed by :func:`render_frames`),
    no two texts or tiles overlap, no digit tile comes within ``tile_pad`` of a text
    (its own caption, in a group with it, may sit closer) and nothing runs off the
    frame (``margin`` slack)."""
    half_w, half_h = frame_size[0] / 2, frame_size[1] / 2
    for i, boxes in enumerate(frames):
        where = f"{what}: frame {i}" if what else f"frame {i}"
        for j, (ta, a, ga) in enumerate(boxes):
            for tb, b, gb in boxes[j + 1 :]:
                one_tile = (ta == TILE) != (tb == TILE)  # a tile and a text
                pad = tile_pad if one_tile and not (ga & gb) else 0.0
                assert not _overlap(a, b, pad), f"{where}: {ta!r} and {tb!r} overlap"
            inside = -half_w - margin <= a[0] and a[2] <= half_w + margin
            inside &= -half_h - margin <= a[1] and a[3] <= half_h + margin
            assert inside, f"{where}: {ta!r} runs off the frame"


def _overlap(a: np.ndarray, b: np.ndarray, pad: float = 0.0) -> bool:
    return bool(a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad)


def assert_texts_apart(
    boxes: list[tuple[str, np.ndarray]], pad: float = 0.0, what: str = ""
) -> None:
    """No two of ``boxes`` (from :func:`text_boxes`) overlap (nor come within ``pad``)."""
    prefix = f"{what}: " if what else ""
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1 :]:
            assert not _overlap(a, b, pad), f"{prefix}texts {ta!r} and {tb!r} overlap"


def assert_texts_clear_of(
    boxes: list[tuple[str, np.ndarray]], points: np.ndarray, pad: float = 0.0, what: str = ""
) -> None:
    """No text box (from :func:`text_boxes`) holds any of ``points`` (scene units, ``(N, >=2)``)."""
    prefix = f"{what}: " if what else ""
    p = np.asarray(points, dtype=np.float64)[:, :2]
    for label, (x0, y0, x1, y1) in boxes:
        inside = (p[:, 0] > x0 - pad) & (p[:, 0] < x1 + pad)
        inside &= (p[:, 1] > y0 - pad) & (p[:, 1] < y1 + pad)
        assert not inside.any(), f"{prefix}text {label!r} covers {int(inside.sum())} points"


def longest_still(rendered: Rendered, tolerance: int = 24) -> float:
    """The longest time, in seconds, that ``rendered`` shows one picture: consecutive frames
    with no pixel changed by more than ``tolerance`` (summed over R, G, B) count as one."""
    longest = run = 0
    for i, (frame, count) in enumerate(zip(rendered.frames, rendered.counts, strict=True)):
        same = (
            i > 0
            and not (
                np.abs(frame[..., :3].astype(int) - rendered.frames[i - 1][..., :3]).sum(-1)
                > tolerance
            ).any()
        )
        run = run + count if same else count
        longest = max(longest, run)
    return longest / rendered.fps


def scene_to_pixel(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Scene coordinates ``(..., >=2)`` to integer ``(..., 2)`` pixel ``(row, col)``."""
    from manim import config

    h, w = shape[:2]
    p = np.asarray(points, dtype=np.float64)
    col = (p[..., 0] / config.frame_width + 0.5) * w
    row = (0.5 - p[..., 1] / config.frame_height) * h
    return np.stack([row, col], -1).round().astype(int)


def render_frames(
    scene_cls: type,
    width: int = 480,
    height: int = 270,
    fps: float = 5,
    theme: str | None = None,
    probe=None,
) -> Rendered:
    """Render ``scene_cls`` in-process with ``tempconfig`` and collect every frame.

    Nothing is written to disk (no movie, no cache). ``theme`` sets
    ``$BENDSPACE_THEME`` for the render. Returns the frames (consecutive
    repeats, as from ``wait()``, stored once with a count) and the scene.
    ``probe(scene)``, if given, runs at every captured frame; its results are in
    ``probes`` (one per frame, for looking at mobjects mid-animation).
    """
    from manim import tempconfig

    old_theme = os.environ.get("BENDSPACE_THEME")
    if theme is not None:
        os.environ["BENDSPACE_THEME"] = theme
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            tempconfig(
                {
                    "pixel_width": width,
                    "pixel_height": height,
                    "frame_rate": fps,
                    "write_to_movie": False,
                    "save_last_frame": False,
                    "disable_caching": True,
                    "media_dir": tmp,
                    "tex_dir": str(TEX_DIR),
                    "progress_bar": "none",
                    "verbosity": "WARNING",
                }
            ),
        ):
            scene = scene_cls()
            out = Rendered(scene=scene, fps=float(fps))
            renderer = scene.renderer

            def capture(frame, num_frames: int = 1) -> None:
                if renderer.skip_animations:
                    return
                renderer.time += num_frames / renderer.camera.frame_rate
                out.frames.append(np.array(frame, copy=True))
                out.counts.append(int(num_frames))
                if probe is not None:
                    out.probes.append(probe(scene))

            renderer.add_frame = capture
            renderer.file_writer.finish = lambda: None  # no movie was written to combine
            scene.render()
            return out
    finally:
        if theme is not None:
            if old_theme is None:
                os.environ.pop("BENDSPACE_THEME", None)
            else:
                os.environ["BENDSPACE_THEME"] = old_theme


def shoot(mobjects, fast: bool = True, three_d: bool = False, face: bool = False) -> np.ndarray:
    """One frame of ``mobjects`` (RGB, float64) through manim's camera: with the fast
    paths (:mod:`scenes.lib.fast_paths`), or with manim's own drawing (``fast=False``).

    ``three_d`` looks from an oblique 3-D camera; ``face`` then turns the mobjects
    (point clouds) to face it.
    """
    from manim.camera.camera import Camera
    from manim.camera.three_d_camera import ThreeDCamera

    from scenes.lib.fast_paths import install_fast_paths

    install_fast_paths()
    wrapper = Camera.display_vectorized
    camera = (ThreeDCamera if three_d else Camera)(background_color=BACKGROUND)
    if three_d:
        camera.set_phi(1.1)
        camera.set_theta(-0.8)
        for mob in mobjects if face else ():
            mob.face(camera.generate_rotation_matrix()[2])
    if not fast:
        Camera.display_vectorized = wrapper.cairo
    try:
        camera.capture_mobjects(mobjects)
    finally:
        Camera.display_vectorized = wrapper
    return camera.pixel_array[..., :3].astype(np.float64)


def assert_drawn_as_manim_draws(fast: np.ndarray, manims: np.ndarray) -> None:
    """``fast`` is manim's drawing through the kept paths (:mod:`scenes.lib.fast_paths`): a
    kept path is laid down shifted, so its points round to Cairo's 1/256 px grid from
    another start and its curves flatten a little differently, in edge pixels only."""
    assert psnr(fast, manims) >= 60.0
    assert np.abs(fast - manims).max() <= 16


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two 8-bit images, in dB (inf when equal)."""
    mse = np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2)
    return np.inf if mse == 0 else 10 * np.log10(255.0**2 / mse)


def network_classes(data_xy: np.ndarray, states, snapshot: int) -> np.ndarray:
    """The class the network of ``states`` gives each point of ``data_xy`` ``(..., 2)``."""
    from model.stages import logits

    out = logits(data_xy.reshape(-1, 2), states.weights(snapshot), states.biases(snapshot),
                 states.activations)  # fmt: skip
    return out.argmax(-1).reshape(data_xy.shape[:-1])


def misplaced_region_pixels(
    crop: np.ndarray, truth: np.ndarray, colors, background, opacity: float
) -> tuple[np.ndarray, int, int]:
    """How far from the true boundary drawn decision regions go wrong, in pixels.

    ``crop`` is ``(h, w, >=3)`` pixels of the drawn regions, ``truth`` ``(h, w)`` the
    class at each pixel's centre (e.g. :func:`network_classes`); class ``k``'s region is
    ``colors[k]`` (hex) laid over ``background`` at ``opacity``. Each pixel is read as a
    blend of two classes' tints (an edge pixel, a blurred step) and taken as the class
    with the larger share; pixels that are no such blend (within 24 and 0.05 of the
    opacity: a point or a line over the regions) are left out. It is compared with
    ``truth``. Returns the
    distances (px) from the true boundary of the pixels shown in the wrong class, how
    many pixels were read, and how many lie next to the true boundary (so a test knows
    there was one to draw).
    """
    from scipy.ndimage import distance_transform_edt

    bg = rgb(background)
    ways = [rgb(c) - bg for c in colors[: max(2, int(truth.max()) + 1)]]
    seen = crop[..., :3].astype(float) - bg  # opacity_i * way_i + opacity_j * way_j
    shown = np.zeros(truth.shape, dtype=int)
    misfit = np.full(truth.shape, np.inf)
    for i, j in itertools.combinations(range(len(ways)), 2):  # a blend of two tints at most
        pair = np.stack([ways[i], ways[j]], -1)  # (3, 2)
        share = np.clip(seen @ pair @ np.linalg.inv(pair.T @ pair), 0.0, None)  # (h, w, 2)
        share[np.abs(share.sum(-1) - opacity) > 0.05] = np.nan  # a point, a line over them
        miss = np.abs(seen - share @ pair.T).sum(-1)
        better = miss < misfit  # (nan compares False)
        misfit[better], shown[better] = miss[better], np.where(share[..., 0] >= share[..., 1],
                                                               i, j)[better]  # fmt: skip
    tinted = misfit < 24
    apart = np.full(truth.shape, np.inf)  # distance to the nearest pixel of another class
    for k in np.unique(truth):
        inside = truth == k
        apart[inside] = distance_transform_edt(inside)[inside]
    wrong = tinted & (shown != truth)
    return apart[wrong] - 0.5, int(tinted.sum()), int((apart <= 1).sum())
