"""Clusters of labelled points in a shown 3-D view: centres, sentences, camera, rider ring.

Everything a cluster scene *says* about its picture is computed here from the
coordinates it draws (the states' ``trace``, i.e. the shown 3-D projection of a
stage), so a sentence on screen can be checked against the data by a test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import DEGREES, RIGHT, ThreeDScene, VGroup, VMobject, rotation_about_z, rotation_matrix

from model.states import States
from scenes.lib.mobjects import PointCloud

__all__ = [
    "best_stage",
    "camera_rotation",
    "centroids",
    "closest_pairs",
    "cluster_words",
    "neighbour_sentence",
    "own_centre_share",
    "rider_indices",
    "ring_positions",
    "ring_riders",
    "spread_view",
]


def centroids(points: np.ndarray, labels: np.ndarray, classes: int) -> np.ndarray:
    """``(classes, d)`` mean of each class's points (``points`` is ``(P, d)``)."""
    p, y = np.asarray(points, dtype=np.float64), np.asarray(labels)
    return np.array([p[y == k].mean(0) for k in range(classes)])


def own_centre_share(points: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> float:
    """Share of points nearer their own class's centre than any other centre."""
    p = np.asarray(points, dtype=np.float64)
    d = np.linalg.norm(p[:, None, :] - centres[None], axis=-1)  # (P, classes)
    return float((d.argmin(1) == np.asarray(labels)).mean())


def best_stage(
    trace: np.ndarray, labels: np.ndarray, classes: int, stages: Sequence[int]
) -> tuple[int, float]:
    """Of ``stages``, the one whose shown points sit best by their own centre, and that share.

    ``trace`` is ``(stages, P, 3)``; ties go to the later stage.
    """
    shares = [own_centre_share(trace[t], labels, centroids(trace[t], labels, classes))
              for t in stages]  # fmt: skip
    i = len(shares) - 1 - int(np.argmax(shares[::-1]))
    return int(stages[i]), float(shares[i])


def closest_pairs(centres: np.ndarray, count: int = 3) -> list[tuple[int, int]]:
    """Pairs of classes that are each other's nearest centre, closest first (at most ``count``)."""
    d = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    nearest = d.argmin(1)
    pairs = {tuple(sorted((a, int(b)))) for a, b in enumerate(nearest) if nearest[b] == a}
    return sorted(pairs, key=lambda ab: d[ab])[:count]


def neighbour_sentence(centres: np.ndarray, names: Sequence[str], count: int = 3) -> str:
    """``closest: 4-9, 3-5, 1-7; most apart: 0``, read from ``centres``.

    Pairs are mutual nearest neighbours, closest first; "most apart" is the class
    whose nearest other centre is farthest away.
    """
    d = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    pairs = ", ".join(f"{names[a]}-{names[b]}" for a, b in closest_pairs(centres, count))
    alone = names[int(d.min(1).argmax())]
    return f"closest: {pairs}; most apart: {alone}"


def camera_rotation(phi: float, theta: float, gamma: float = 0.0) -> np.ndarray:
    """The rotation manim's ``ThreeDCamera`` uses for these angles (radians)."""
    result = np.identity(3)
    for m in (rotation_about_z(-theta - 90 * DEGREES), rotation_matrix(-phi, RIGHT),
              rotation_about_z(gamma)):  # fmt: skip
        result = m @ result
    return result


def spread_view(
    centres: np.ndarray,
    phis: Sequence[float] = tuple(np.radians(np.arange(35, 91, 5))),
    thetas: Sequence[float] = tuple(np.radians(np.arange(-180, 180, 10))),
) -> tuple[float, float]:
    """Camera ``(phi, theta)`` whose picture puts the closest two centres farthest apart."""
    best, angles = -1.0, (float(phis[0]), float(thetas[0]))
    for phi in phis:
        for theta in thetas:
            screen = (centres @ camera_rotation(phi, theta).T)[:, :2]
            d = np.linalg.norm(screen[:, None] - screen[None], axis=-1)
            np.fill_diagonal(d, np.inf)
            if d.min() > best:
                best, angles = float(d.min()), (float(phi), float(theta))
    return angles


def _blocked(spot: np.ndarray, half: float, avoid: np.ndarray) -> bool:
    """Whether a square of half-size ``half`` at ``spot`` meets any ``[x0, y0, x1, y1]`` box."""
    if not len(avoid):
        return False
    x, y = spot
    return bool(np.any((x + half > avoid[:, 0]) & (x - half < avoid[:, 2])
                       & (y + half > avoid[:, 1]) & (y - half < avoid[:, 3])))  # fmt: skip


def ring_positions(
    screen: np.ndarray,
    radii: tuple[float, float],
    min_gap: float = 0.55,
    avoid: Sequence[np.ndarray] = (),
    half: float = 0.25,
) -> np.ndarray:
    """``(n, 2)`` places on an ellipse around the origin, each in its point's direction.

    ``screen`` is ``(n, >=2)`` points on the screen (origin: the cloud's centre);
    angles are pushed apart to at least ``min_gap`` of a fair share (``2 pi / n``),
    and further where two labels (squares of half-size ``half``) would still meet
    on the screen, so each sits outward of its own point. A label that would meet
    one of the ``avoid`` boxes (``[x0, y0, x1, y1]``, e.g. the captions) slides
    along the ellipse to the nearest place free of them and of the other labels.
    """
    p = np.asarray(screen, dtype=np.float64)[:, :2]
    n = len(p)
    boxes = np.asarray(avoid, dtype=np.float64).reshape(-1, 4)
    gap = min_gap * 2 * np.pi / n
    order = np.argsort(np.arctan2(p[:, 1], p[:, 0]))
    a = np.arctan2(p[order, 1], p[order, 0])

    def spot(angle: float) -> np.ndarray:
        return np.array([radii[0] * np.cos(angle), radii[1] * np.sin(angle)])

    rx, ry = float(radii[0]), float(radii[1])

    def meet(i: int, j: int) -> bool:  # the squares at angles a[i] and a[j] overlap
        return (abs(rx * (math.cos(a[i]) - math.cos(a[j]))) < 2 * half
                and abs(ry * (math.sin(a[i]) - math.sin(a[j]))) < 2 * half)  # fmt: skip

    for _ in range(6):  # alternate: spread the angles, then slide out of the boxes
        for _ in range(100):  # push neighbours (cyclically) apart until every gap holds
            moved = False
            for i in range(n):
                j = (i + 1) % n
                room = (a[j] - a[i]) % (2 * np.pi)
                # a fair share of the angle, and room on the screen: where the ellipse is
                # flat, squares a fair angle apart can still meet
                if n > 1 and (room < gap - 1e-9 or meet(i, j)):
                    push = max(gap - room, 0.02) / 2
                    a[i] -= push
                    a[j] += push
                    moved = True
            if not moved:
                break
            # a push can carry a label past the next one: keep them in angular order,
            # so that each is compared with its neighbours on the ellipse
            order_now = np.argsort(a % (2 * np.pi), kind="stable")
            a, order = (a % (2 * np.pi))[order_now], order[order_now]
        slid = False
        for i in range(n):
            if not _blocked(spot(a[i]), half, boxes):
                continue
            others = np.array([[*(spot(a[k]) - half), *(spot(a[k]) + half)]
                               for k in range(n) if k != i]).reshape(-1, 4)  # fmt: skip
            for step in np.radians(np.arange(2, 182, 2)):  # the nearest free angle
                free = [b for b in (a[i] - step, a[i] + step)
                        if not _blocked(spot(b), half, boxes)
                        and not _blocked(spot(b), half, others)]  # fmt: skip
                if free:
                    a[i], slid = free[0], True
                    break
        order_now = np.argsort(a % (2 * np.pi))
        a, order = (a % (2 * np.pi))[order_now], order[order_now]
        if not slid:
            break
    out = np.empty((n, 2))
    out[order] = np.array([spot(angle) for angle in a])
    return out


def cluster_words(states: States, stage: int, names: Sequence[str]) -> tuple[str, str]:
    """What the picture at ``stage`` shows, read from its shown 3-D points (the trace): the
    share of points nearest their own class's centre, and which centres are nearest."""
    points, labels = np.asarray(states["trace"][-1, stage]), np.asarray(states["labels"])
    centres = centroids(points, labels, states.n_classes)
    share = own_centre_share(points, labels, centres)
    return f"{share:.0%} nearest their own class's centre", neighbour_sentence(centres, names)


def rider_indices(states: States, classes: Sequence[int], stage: int) -> list[int]:
    """For each class, the correctly classified point nearest its class centre at ``stage``
    (any point of the class if none is classified right; a class must have points)."""
    labels = np.asarray(states["labels"])
    right = np.asarray(states["predictions"][-1]) == labels
    points = np.asarray(states["trace"][-1, stage])
    chosen = []
    for d in classes:
        idx = np.flatnonzero((labels == d) & right)
        if not len(idx):
            idx = np.flatnonzero(labels == d)
        centre = points[idx].mean(axis=0)
        chosen.append(int(idx[np.argmin(np.linalg.norm(points[idx] - centre, axis=1))]))
    return chosen


def _extent(mobject: VMobject) -> tuple[np.ndarray, np.ndarray]:
    """A mobject's ``(width, height, depth)`` and the centre ``move_to`` moves, as manim gives
    them (the size over every point, the centre between the extreme anchors), from its
    points in one pass: manim walks the family's tree once per axis and per bound
    (``python -m bench scene_work`` times both for MnistClusters' ten tiles)."""
    family = mobject.get_family()
    parts = [part.points for part in family if len(part.points)]
    if not parts or not all(isinstance(part, VMobject) for part in family):
        return np.array([mobject.width, mobject.height, mobject.depth]), mobject.get_center()
    every = np.concatenate(parts)
    n = mobject.n_points_per_cubic_curve
    anchors = np.concatenate(
        [p if len(p) == 1 else np.concatenate([p[::n], p[n - 1 :: n]]) for p in parts]
    )
    lo, hi = anchors.min(axis=0), anchors.max(axis=0)
    return every.max(axis=0) - every.min(axis=0), (lo + hi) / 2


def ring_riders(
    scene: ThreeDScene,
    tiles: VGroup,
    cloud: PointCloud,
    indices: Sequence[int],
    colors: Sequence[str],
    ring: tuple[float, float],
    avoid=None,
    clearance: float = 0.3,
) -> list[VMobject]:
    """Keep ``tiles`` on a ring around ``cloud`` (flat on the screen), each in the direction
    of its point ``cloud.positions[indices[i]]``, with a leader line to it; returns the lines.

    One updater on ``tiles`` places them all every frame (:func:`ring_positions`), so
    they follow their points without covering the cloud or each other; ``avoid()``,
    if given, returns boxes ``[x0, y0, x1, y1]`` (the texts on screen) they keep
    ``clearance`` away from. Tiles and lines are registered as fixed in the frame (and added).
    """
    rows = list(indices)
    leaders = [VMobject(stroke_color=c, stroke_width=1.5, stroke_opacity=0.8) for c in colors]

    def place(group: VGroup) -> None:
        # The camera's rotation as it is now: manim keeps the one it last drew with, which
        # while the camera moves is a frame behind.
        scene.camera.reset_rotation_matrix()
        points = scene.camera.project_points(cloud.positions[rows])
        boxes = [_extent(tile) for tile in group]  # the tiles' sizes and centres, once a frame
        halves = [0.5 * max(size[:2]) for size, _ in boxes]
        half = max(halves) + 0.05
        boxes_now = np.asarray(avoid() if avoid else (), dtype=np.float64).reshape(-1, 4)
        keep_off = boxes_now + clearance * np.array([-1.0, -1.0, 1.0, 1.0])
        spots = ring_positions(points, ring, avoid=keep_off, half=half)
        placed = zip(group, boxes, leaders, spots, points, halves, strict=True)
        for tile, (_, centre), line, spot, point, own in placed:
            tile.shift(np.array([*spot, 0.0]) - centre)  # ``move_to``, from the centre known
            toward = point[:2] - spot  # from the tile's edge, not its centre
            start = spot + toward * min(1.0, own / max(float(np.abs(toward).max()), 1e-9))
            line.set_points_as_corners([[*start, 0.0], [*point[:2], 0.0]])

    tiles.add_updater(place)
    place(tiles)
    scene.add_fixed_in_frame_mobjects(tiles, *leaders)
    return leaders
