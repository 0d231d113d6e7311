"""MNIST scenes, checked from rendered frames (small, in-process) and from the states they show."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scene_harness import (
    assert_frames_alive,
    assert_text_inside_frame,
    assert_texts_apart,
    render_frames,
    rgb,
    scene_to_pixel,
    text_boxes,
)

from model.data import mnist_split
from scenes import mnist
from scenes.lib import cluster_words, digit_rgba, palette, template_rgba

W, H, FPS = 480, 270, 5


class ShortClusters(mnist.MnistClusters):
    intro_seconds = 0.6
    caption_seconds = 0.2
    stage_seconds = 0.4
    pause_seconds = 0.2
    camera_seconds = 0.4
    final_seconds = 0.4


class ShortClustersTraining(mnist.MnistClustersTraining):
    intro_seconds = 0.4
    snapshot_stride = 4
    snapshot_seconds = 0.2
    final_seconds = 0.4


class ShortTemplates(mnist.MnistTemplates):
    intro_seconds = 0.4
    snapshot_stride = 4
    snapshot_seconds = 0.2
    final_seconds = 0.4


class ShortMistakes(mnist.MnistMistakes):
    intro_seconds = 0.4
    counts_seconds = 0.4
    pause_seconds = 0.2
    mistakes_seconds = 0.6
    final_seconds = 0.4


def _crop(values: np.ndarray, centre: np.ndarray, height: float, inner: float = 1.0) -> np.ndarray:
    """The square of ``height`` scene units (times ``inner``) around ``centre``, as 28 x 28."""
    (row, col), half = scene_to_pixel(centre, values.shape), 0.5 * inner * height * H / 8.0
    r0, r1 = round(row - half), round(row + half)
    c0, c1 = round(col - half), round(col + half)
    assert 0 <= r0 < r1 <= values.shape[0] and 0 <= c0 < c1 <= values.shape[1], "off screen"
    patch = Image.fromarray(values[r0:r1, c0:c1].astype(np.float32))
    return np.asarray(patch.resize((28, 28), Image.BILINEAR), dtype=np.float64)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _digit_match(frame, centre, height, pixels, background) -> np.ndarray:
    """How well the frame at ``centre`` shows ``pixels`` (784, row-major): correlation with
    the digit upright, transposed and upside down."""
    ink = np.abs(frame[..., :3].astype(float) - rgb(background)).sum(-1)
    seen = _crop(ink, centre, height, inner=26 / 30)  # inside the tile's frame
    digit = np.asarray(pixels, dtype=np.float64).reshape(28, 28)
    return np.array([_corr(seen, digit), _corr(seen, digit.T), _corr(seen, digit[::-1])])


def _assert_upright(matches: list[np.ndarray]) -> None:
    """Every tile shows its digit, none better transposed or flipped, and on average clearly
    upright (a single 1 or 0 can look much the same upside down)."""
    m = np.array(matches)  # (tiles, 3)
    assert np.all(m[:, 0] > 0.6), m
    assert np.all(m[:, 0] > m[:, 1:].max(axis=1)), m
    assert np.all((m[:, :1] - m[:, 1:]).mean(axis=0) > 0.15), m


# ---------------------------------------------------------------------------
# Clusters through the stages
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clusters(trained):
    trained("mnist")
    return render_frames(ShortClusters, W, H, FPS)


def test_clusters_frames_alive(clusters):
    assert clusters.duration > 6
    assert_frames_alive(clusters, palette().background)
    assert_text_inside_frame(clusters.scene, inset=0.1)


def test_clusters_points_drawn_in_their_digit_colours(clusters):
    scene, frame, pal = clusters.scene, clusters.frames[-1], palette()
    view = scene.view
    assert len(view.cloud.labels) >= 2000
    assert view.stage == scene.best, "the scene does not end on its best view"
    pix = scene_to_pixel(scene.camera.project_points(view.cloud.positions), frame.shape)
    inside = (pix[:, 0] >= 1) & (pix[:, 0] < H - 1) & (pix[:, 1] >= 1) & (pix[:, 1] < W - 1)
    assert inside.mean() > 0.97, "points off screen"
    colours = np.array([rgb(c) for c in pal.classes])  # (10, 3)
    labels = view.cloud.labels[inside]
    best = np.full((inside.sum(), 10), np.inf)  # best match to each class colour, 3x3 around
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            seen = frame[pix[inside, 0] + dr, pix[inside, 1] + dc, :3].astype(float)
            best = np.minimum(best, np.abs(seen[:, None] - colours[None]).sum(-1))
    own = best[np.arange(len(labels)), labels] < 60
    # a control: the same test with each point given some other digit's colour
    rng = np.random.default_rng(0)
    other = (labels + rng.integers(1, 10, len(labels))) % 10
    control = best[np.arange(len(labels)), other] < 60
    # dots overlap in the middle, so not every dot can be seen; most must be
    assert own.mean() > 0.55 and own.mean() > 5 * control.mean(), (own.mean(), control.mean())
    for d in range(10):
        mine = labels == d
        assert own[mine].mean() > 3 * control[mine].mean() + 0.1, f"digit {d} hardly visible"


def test_clusters_riders_show_their_digits_upright(clusters, trained):
    scene, frame = clusters.scene, clusters.frames[-1]
    states = trained("mnist")
    labels = np.asarray(states["labels"])
    assert [int(labels[i]) for i in scene.rider_points] == list(scene.riders) == list(range(10))
    matches = []
    for tile, i in zip(scene.tiles, scene.rider_points, strict=True):
        matches.append(_digit_match(frame, tile.get_center(), scene.rider_height,
                                    states["inputs"][i], palette().background))  # fmt: skip
    _assert_upright(matches)


def test_clusters_every_digit_has_a_rider_in_the_frame_off_the_points(clusters):
    """Ten riders, inside the frame, apart from each other, covering (almost) no point, each
    with a leader line ending on its own digit's point."""
    scene = clusters.scene
    half_w, half_h = scene.camera.frame_width / 2, scene.camera.frame_height / 2
    boxes = np.array([[*t.get_corner(np.array([-1, -1, 0]))[:2],
                       *t.get_corner(np.array([1, 1, 0]))[:2]] for t in scene.tiles])  # fmt: skip
    assert len(boxes) == 10
    assert (boxes[:, 0] > -half_w).all() and (boxes[:, 2] < half_w).all()
    assert (boxes[:, 1] > -half_h).all() and (boxes[:, 3] < half_h).all()
    for a in range(10):
        for b in range(a + 1, 10):
            apart = (boxes[a, 2] <= boxes[b, 0] or boxes[b, 2] <= boxes[a, 0]
                     or boxes[a, 3] <= boxes[b, 1] or boxes[b, 3] <= boxes[a, 1])  # fmt: skip
            assert apart, f"riders {a} and {b} overlap"
    points = scene.camera.project_points(scene.view.cloud.positions)[:, :2]
    under = np.zeros(len(points), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        inside_x = (points[:, 0] > x0) & (points[:, 0] < x1)
        under |= inside_x & (points[:, 1] > y0) & (points[:, 1] < y1)
    assert under.mean() < 0.005, f"riders cover {under.sum()} points"
    texts = text_boxes(scene)
    assert_texts_apart(texts, what="last frame")
    assert_texts_apart([*texts, *((f"rider {d}", b) for d, b in enumerate(boxes))], what="riders")
    ends = np.array([line.get_points()[-1][:2] for line in scene.leaders])
    shown = scene.camera.project_points(scene.view.cloud.positions[scene.rider_points])[:, :2]
    assert np.allclose(ends, shown, atol=1e-6)


def test_clusters_caption_says_what_its_picture_shows(clusters, trained):
    """The last caption names the best view and says what it shows; the words are computed
    from the picture's points, and they agree with centroid distances computed here."""
    scene, states = clusters.scene, trained("mnist")
    labels = np.asarray(states["labels"])
    trace = np.asarray(states["trace"][-1])

    def centroids(points):
        return np.stack([points[labels == d].mean(axis=0) for d in range(10)])

    def own_share(points):
        c = centroids(points)
        return (np.linalg.norm(points[:, None] - c[None], axis=-1).argmin(1) == labels).mean()

    shares = [own_share(trace[t]) for t in range(1, len(trace))]
    assert scene.best == 1 + int(np.argmax(shares)), "not the best-separated stage"
    assert max(shares) > 0.8 and max(shares) > own_share(trace[0]) + 0.2
    share_words, pair_words = cluster_words(states, scene.best, mnist.DIGITS)
    assert share_words.startswith(f"{max(shares):.0%} ")
    c = centroids(trace[scene.best])
    dist = np.linalg.norm(c[:, None] - c[None], axis=-1) + np.diag(np.full(10, np.inf))
    nearest = dist.argmin(1)
    named = pair_words.split(": ")[1].split(";")[0].split(", ")
    for pair in named:  # each named pair: each other's nearest centre
        a, b = (int(d) for d in pair.split("-"))
        assert nearest[a] == b and nearest[b] == a, (pair, nearest)
    assert pair_words.endswith(f"most apart: {int(dist.min(1).argmax())}")
    on_screen = {t.replace(" ", "") for t in (m.text for m in scene.caption.get_family()
                                              if hasattr(m, "text"))}  # fmt: skip
    assert share_words.replace(" ", "") in on_screen and pair_words.replace(" ", "") in on_screen
    assert states.stage_label(scene.best).replace(" ", "") in "".join(on_screen)


# ---------------------------------------------------------------------------
# Clusters over training, templates, mistakes
# ---------------------------------------------------------------------------


def test_clusters_training_renders(trained):
    trained("mnist")
    rendered = render_frames(ShortClustersTraining, W, H, FPS)
    assert_frames_alive(rendered, palette().background)
    assert_text_inside_frame(rendered.scene)
    assert rendered.scene.view.snapshot == trained("mnist").n_snapshots - 1  # ends trained


def test_template_colour_map():
    pal = palette("dark")
    w = np.zeros(784)
    w[0], w[1], w[28] = 2.0, -1.0, 1.0  # row 0 col 0, row 0 col 1, row 1 col 0
    rgba = template_rgba(w, pal)
    assert rgba.shape == (28, 28, 4)
    assert np.allclose(rgba[0, 0, :3], rgb(pal.classes[1]), atol=1)  # the largest: full warm
    assert np.allclose(rgba[5, 5, :3], rgb(pal.background), atol=1)  # zero: background
    half_cool = 0.5 * (rgb(pal.background) + rgb(pal.classes[0]))
    assert np.allclose(rgba[0, 1, :3], half_cool, atol=1)  # -1 of 2: half way to cool
    assert np.allclose(rgba[1, 0, :3], 0.5 * (rgb(pal.background) + rgb(pal.classes[1])), atol=1)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_templates_render_and_end_as_digit_templates(trained, theme):
    states = trained("templates")
    rendered = render_frames(ShortTemplates, W, H, FPS, theme=theme)
    pal = palette(theme)
    assert_frames_alive(rendered, pal.background)
    assert_text_inside_frame(rendered.scene)
    scene, frame = rendered.scene, rendered.frames[-1]
    split = mnist_split()
    means = [split.x[split.y == d].mean(axis=0).reshape(28, 28) for d in range(10)]
    # warm minus cool, read back from the pixels of each drawn template
    warm, cool = rgb(pal.classes[1]), rgb(pal.classes[0])
    axis = (warm - cool) / np.linalg.norm(warm - cool)
    along = frame[..., :3].astype(float) @ axis
    own_best = 0
    for d, image in enumerate(scene.templates):
        seen = _crop(along, image.get_center(), image.height)
        weights = np.asarray(states["W0"][-1, d]).reshape(28, 28)
        drawn = _corr(seen, weights)
        assert drawn > 0.9 and drawn > _corr(seen, weights.T) + 0.2, f"template {d} misdrawn"
        own_best += int(np.argmax([_corr(seen, m) for m in means]) == d)
    # each drawn template matches the mean image of its own digit best (0.37-0.64 here)
    assert own_best >= 9, "the drawn templates do not look like their digits"


def test_mistakes_matrix_and_chosen_mistakes(trained):
    states = trained("mnist")
    rendered = render_frames(ShortMistakes, W, H, FPS)
    assert_frames_alive(rendered, palette().background)
    assert_text_inside_frame(rendered.scene)
    scene, frame = rendered.scene, rendered.frames[-1]
    counts = scene.counts
    assert counts.sum() == 2000
    # the numpy forward pass agrees with torch's held-out accuracy (a tie or two may differ)
    assert abs(np.trace(counts) / counts.sum() - states["heldout_accuracy"][-1]) <= 2 / 2000
    labels, probs, chosen = scene.labels, scene.probs, scene.chosen
    predicted = probs.argmax(1)
    assert len(chosen) == scene.mistakes and np.all(predicted[chosen] != labels[chosen])
    sure = probs[chosen, predicted[chosen]]
    assert np.all(np.diff(sure) <= 0)
    others = np.setdiff1d(np.flatnonzero(predicted != labels), chosen)
    assert sure.min() >= probs[others, predicted[others]].max()
    # every outlined cell belongs to a shown mistake, and each shown mistake is outlined
    cells = {(int(labels[i]), int(predicted[i])) for i in chosen}
    assert len(scene.marks) == len(cells)
    # the mistake tiles show their digits upright
    split = mnist_split()
    tiles = [group[0] for group in scene.panel[1]]
    matches = [
        _digit_match(frame, tile.get_center(), tile.height, split.x_heldout[i],
                     palette().background)
        for i, tile in zip(chosen, tiles, strict=True)
    ]  # fmt: skip
    _assert_upright(matches)


def test_digit_tile_is_row_major_and_framed():
    pal = palette("dark")
    pixels = np.zeros(784)
    pixels[3] = 1.0  # row 0, column 3
    tile = digit_rgba(pixels, pal, border="#ff0000")
    assert tile.shape == (30, 30, 4)
    assert np.allclose(tile[1, 4, :3], rgb(pal.ink), atol=1)  # + 1 for the frame
    assert np.allclose(tile[4, 1, :3], rgb(pal.background), atol=1)
    assert np.all(tile[0, :, 0] == 255) and np.all(tile[:, -1, 1] == 0)  # red frame


def test_a_riders_size_and_centre_are_manims_own():
    """The riders' updater reads each tile's size and centre from its points in one pass;
    they are the values manim's ``width``, ``height`` and ``move_to`` use, to the bit."""
    from scenes.lib import digit_squares
    from scenes.lib.clusters import _extent

    pal = palette("dark")
    images = np.random.default_rng(3).random((3, 784)) ** 3  # mostly dark, as digits are
    for k, pixels in enumerate(images):
        tile = digit_squares(pixels, pal, pal.class_color(k), 0.6 + 0.3 * k)
        tile.rotate(0.3 * k).shift([0.7 * k - 1.1, 0.25, 0.1 * k])
        size, centre = _extent(tile)
        assert size[0] == tile.width and size[1] == tile.height and size[2] == tile.depth
        assert np.array_equal(centre, tile.get_center())
        moved = tile.copy().move_to([1.5, -0.75, 0.0])
        tile.shift(np.array([1.5, -0.75, 0.0]) - centre)
        assert np.array_equal(tile.get_all_points(), moved.get_all_points())


def test_leader_lines_end_on_their_points_while_the_camera_turns():
    """A rider is placed with the camera's angles of the frame being drawn: while the
    camera turns, the rotation manim keeps from the frame before is out of date."""
    from manim import DEGREES, ThreeDScene, VGroup

    from scenes.lib import digit_squares, ring_riders
    from scenes.lib.mobjects import PointCloud

    pal, rng = palette("dark"), np.random.default_rng(5)
    positions = rng.normal(size=(40, 3))
    cloud = PointCloud(positions, np.arange(40) % 4, [pal.class_color(k) for k in range(4)])
    scene = ThreeDScene()
    scene.set_camera_orientation(phi=70 * DEGREES, theta=-60 * DEGREES)
    scene.camera.reset_rotation_matrix()  # as the frame drawn there leaves it
    tiles = VGroup(*[digit_squares(rng.random(784), pal, pal.class_color(k), 0.4)
                     for k in range(4)])  # fmt: skip
    rows = [0, 1, 2, 3]
    leaders = ring_riders(scene, tiles, cloud, rows, [pal.ink] * 4, (4.0, 2.8))
    for theta in (-50, -30, 10):  # the camera turns (``move_camera`` sets these trackers)
        scene.camera.theta_tracker.set_value(theta * DEGREES)
        tiles.update(0)
        ends = np.array([line.get_points()[-1][:2] for line in leaders])
        scene.camera.reset_rotation_matrix()  # what drawing the frame does to the camera
        assert np.allclose(ends, scene.camera.project_points(positions[rows])[:, :2]), theta


def test_ring_labels_never_cover_each_other_or_a_text():
    # Ten labels of MnistClusters' size on its ring, for clouds bunched in every direction
    # and spread every way, around boxes where its captions sit. Points bunched on one side
    # used to leave labels a few degrees apart where the ellipse is flat: 171 of 1,135
    # frames of MnistClusters had two tiles overlapping.
    from scenes.lib import ring_positions
    from scenes.lib.clusters import _blocked

    rng = np.random.default_rng(0)
    boxes = np.array([[-6.8, 2.6, -1.5, 3.8], [-6.8, -3.7, -2.5, -2.6], [5.8, -3.5, 6.8, 3.5]])
    half = 0.275  # a tile's half-size and a margin
    for _ in range(300):
        angles = rng.uniform(-np.pi, np.pi) + rng.normal(0.0, rng.uniform(0.2, 2.5), 10)
        radii = rng.uniform(0.2, 2.0, 10)
        points = np.c_[radii * np.cos(angles), radii * np.sin(angles)]
        spots = ring_positions(points, (4.1, 2.85), avoid=list(boxes), half=half)
        apart = np.abs(spots[:, None] - spots[None])
        overlap = (apart < 2 * (half - 0.05)).all(axis=-1)
        np.fill_diagonal(overlap, False)
        assert not overlap.any()
        assert not any(_blocked(spot, half, boxes) for spot in spots)
