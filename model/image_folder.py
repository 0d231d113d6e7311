"""A folder of labelled images -> points: one sub-folder per class, PNG or JPEG files in it.

Each image is read with Pillow, made grey (or kept in colour) and resized to
one size; its pixels (0..1, row by row, channels last) are the point's
features and its shape is kept (:attr:`model.points.Points.image`), so the
scenes and the page can draw it again. Every problem a user can cause is a
:class:`model.points.CustomError` of one line naming the folder or the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.limits import MAX_POINTS
from model.points import (
    MAX_CELLS,
    MAX_DATA_BYTES,
    MAX_FEATURES,
    CustomError,
    Points,
    _check_classes,
    _too_many,
    _too_many_cells,
)

__all__ = ["IMAGE_SUFFIXES", "load_image_folder"]

#: The image files a folder of images may hold (others are skipped).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_MAX_IMAGE_PIXELS = 4096 * 4096  # one image before it is resized: 16 M pixels


def load_image_folder(
    folder: str | Path, size: tuple[int, int] | None = None, colour: bool = False
) -> Points:
    """Images of one sub-folder per class, as points of their pixels (0..1).

    Every PNG or JPEG (by its suffix; other files are skipped) is read with
    Pillow, made greyscale (or RGB with ``colour``) and resized to ``size``
    ``(width, height)``, by default the first image's. The sub-folder names are
    the class names.

    Raises
    ------
    CustomError
        A folder with no class sub-folders, a class with no images, an image
        that cannot be read (naming the file), too many points or pixels, a
        single class.
    """
    from PIL import Image

    folder = Path(folder)
    src = str(folder)
    try:
        classes = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
        files = [
            (k, image)
            for k, sub in enumerate(classes)
            for image in sorted(sub.iterdir())
            if image.suffix.lower() in IMAGE_SUFFIXES and image.is_file()
        ]
    except OSError as err:
        raise CustomError(f"{src}: cannot be read ({err.strerror or type(err).__name__})") from None
    if not classes:
        raise CustomError(
            f"{src}: a folder of images needs one sub-folder per class (cats/, dogs/, ...) "
            "holding its PNG or JPEG files; it has none"
        )
    counts = np.bincount([k for k, _ in files], minlength=len(classes))
    if counts.min() == 0:
        empty = classes[int(np.argmin(counts))]
        raise CustomError(
            f"{empty}: no PNG or JPEG images in this class folder; add some or remove it"
        )
    names = [sub.name for sub in classes]
    _check_classes(names, src, "its sub-folders", len(files))
    if len(files) > MAX_POINTS:
        raise _too_many(src, f"{len(files):,}")
    mode = "RGB" if colour else "L"
    target = size
    x: np.ndarray | None = None
    for i, (_, file) in enumerate(files):
        try:
            if file.stat().st_size > MAX_DATA_BYTES:
                raise CustomError(f"{file}: over the {MAX_DATA_BYTES:,}-byte limit for an image")
            with Image.open(file) as opened:
                if opened.width * opened.height > _MAX_IMAGE_PIXELS:
                    raise CustomError(
                        f"{file}: {opened.width} x {opened.height} pixels, over "
                        f"{_MAX_IMAGE_PIXELS:,}; give smaller images"
                    )
                image = opened.convert(mode)
        except CustomError:
            raise
        except Exception as err:  # Pillow raises many kinds for a broken file
            raise CustomError(
                f"{file}: not a readable PNG or JPEG image ({type(err).__name__}); "
                "replace it or remove it"
            ) from None
        if target is None:
            target = image.size
        if x is None:
            features = target[0] * target[1] * len(mode)
            if features > MAX_FEATURES:
                raise CustomError(
                    f"{src}: images of {target[0]} x {target[1]} {'RGB' if colour else 'grey'} "
                    f"pixels are {features:,} features, over {MAX_FEATURES:,}; give "
                    "--image-size 32 or smaller"
                )
            if len(files) * features > MAX_CELLS:
                raise _too_many_cells(src, len(files), features)
            x = np.empty((len(files), features), dtype=np.float32)
        if image.size != target:
            image = image.resize(target, Image.Resampling.LANCZOS)
        x[i] = np.asarray(image, dtype=np.float32).reshape(-1) / 255.0
    codes = np.array([k for k, _ in files], dtype=np.int64)
    assert x is not None and target is not None
    return Points(x, codes, names, src, image=(target[1], target[0], len(mode)))
