"""Compatibility of manim's image drawing with new Pillow, installed by an explicit call.

Needed with manim 0.22.0 and Pillow >= 12 (this project's venv: manim 0.22.0,
Pillow 13.0.0). manim's ``Camera.display_image_mobject`` makes the blank canvas
it pastes an ``ImageMobject`` onto with
``Image.fromarray(np.zeros((h, w)), mode="RGBA")``: a 2-D float array with a
4-channel mode, which Pillow 12 stopped accepting ("Invalid mode for data
type"), so every scene that shows an image (a class map, a digit) fails at its
first frame. :func:`install_compat` wraps that one method; nothing changes at
import time. The library calls it wherever it makes an image
(:func:`scenes.lib.class_image`), so scenes only call it themselves when they
build an ``ImageMobject`` by hand. With an older Pillow it does nothing.
"""

from __future__ import annotations

import numpy as np

__all__ = ["install_compat"]


def install_compat() -> bool:
    """Let manim draw ImageMobjects under Pillow >= 12; idempotent.

    While ``Camera.display_image_mobject`` runs, a ``fromarray`` call with a 2-D
    array and ``mode="RGBA"`` (manim's blank canvas) gets a blank RGBA image
    instead, and an RGBA uint8 array is passed without the deprecated ``mode``;
    every other call goes to Pillow unchanged.

    Returns
    -------
    bool
        True if the patch is in place (now or before), False if this Pillow
        needs none.
    """
    from manim.camera.camera import Camera
    from PIL import Image

    if getattr(Camera.display_image_mobject, "fixed_canvas", False):
        return True
    try:
        Image.fromarray(np.zeros((1, 1)), mode="RGBA")
        return False  # this Pillow still accepts it: nothing to fix
    except (ValueError, TypeError):
        pass
    original = Camera.display_image_mobject
    real_fromarray = Image.fromarray

    def fromarray(obj, mode=None):
        arr = np.asarray(obj)
        if mode == "RGBA" and arr.ndim == 2:  # manim's blank canvas
            return Image.new("RGBA", (arr.shape[1], arr.shape[0]))
        if mode == "RGBA" and arr.ndim == 3 and arr.dtype == np.uint8:
            return real_fromarray(arr)  # mode is implied, and deprecated as an argument
        return real_fromarray(obj) if mode is None else real_fromarray(obj, mode)

    def display_image_mobject(self, image_mobject, pixel_array):
        Image.fromarray = fromarray
        try:
            return original(self, image_mobject, pixel_array)
        finally:
            Image.fromarray = real_fromarray

    display_image_mobject.fixed_canvas = True
    Camera.display_image_mobject = display_image_mobject
    return True
