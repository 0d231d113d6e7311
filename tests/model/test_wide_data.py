"""Your own data of any width: wide tables, .npy pairs, image folders: read, checked, exported."""

from __future__ import annotations

import numpy as np
import pytest
from custom_harness import six_features, write_images, write_table

from model.custom_cli import main as model_main
from model.image_folder import load_image_folder
from model.limits import LimitError, check_run_size
from model.paths import REPO_ROOT
from model.points import MAX_FEATURES, CustomError, load_points, load_points_csv, standardized
from model.states import load_states

TABLES = REPO_ROOT / "model" / "data" / "tables"


# -- reading -------------------------------------------------------------------


def test_a_wide_csv_keeps_its_feature_names_and_values(tmp_path):
    x, y = six_features()
    write_table(tmp_path / "six.csv", x, y, names=list("abcdef"))
    points = load_points_csv(tmp_path / "six.csv")
    assert points.dims == 6 and points.columns == list("abcdef")
    np.testing.assert_allclose(points.x, x, atol=1e-5)
    assert points.label_names == ["k0", "k1", "k2"] and points.meta()["features"] == 6


def test_the_shipped_tables_read_as_a_user_would_write_them():
    iris = load_points_csv(TABLES / "iris.csv")
    assert (len(iris.y), iris.dims, iris.label_names) == (
        150, 4, ["setosa", "versicolor", "virginica"],
    )  # fmt: skip
    assert iris.columns[0] == "sepal_length_cm"
    digits = load_points_csv(TABLES / "digits8x8.csv")
    assert (len(digits.y), digits.dims, digits.n_classes) == (1797, 64, 10)
    assert digits.x.min() == 0 and digits.x.max() == 16
    wine = load_points_csv(TABLES / "wine.csv")
    assert (len(wine.y), wine.dims, wine.n_classes) == (178, 13, 3)


def test_a_text_column_is_refused_by_name_or_one_hot_encoded(tmp_path):
    x, y = six_features(12)
    colours = {"colour": [["red", "green", "blue"][i % 3] for i in range(12)]}
    write_table(tmp_path / "mixed.csv", x, y, extra=colours)
    with pytest.raises(CustomError, match=r"line 2, column 'colour': 'red' is text.*--one-hot"):
        load_points_csv(tmp_path / "mixed.csv")
    points = load_points_csv(tmp_path / "mixed.csv", one_hot=True)
    assert points.dims == 9
    assert points.columns[6:] == ["colour=blue", "colour=green", "colour=red"]
    np.testing.assert_array_equal(points.x[:3, 6:], [[0, 0, 1], [0, 1, 0], [1, 0, 0]])


def test_an_npy_pair_loads_with_labels_beside_or_named(tmp_path):
    x, y = six_features(30)
    np.save(tmp_path / "features.npy", x.astype(np.float32))
    with pytest.raises(CustomError, match="holds the features only; give the labels"):
        load_points(tmp_path / "features.npy")
    np.save(tmp_path / "labels.npy", np.array(["a", "b", "c"])[y])
    points = load_points(tmp_path / "features.npy")
    assert points.dims == 6 and points.label_names == ["a", "b", "c"]
    np.save(tmp_path / "classes.npy", y)
    assert load_points(tmp_path / "features.npy", "classes.npy").label_names == ["0", "1", "2"]


def test_images_become_pixels_with_their_shape_kept(tmp_path):
    write_images(tmp_path / "bars")
    grey = load_image_folder(tmp_path / "bars")
    assert grey.image == (8, 8, 1) and grey.dims == 64 and grey.label_names[0] == "class0"
    assert len(grey.y) == 18 and grey.x.min() >= 0 and grey.x.max() <= 1
    bar = grey.x[grey.y == 1].reshape(-1, 8, 8)[:, :, 2:4]  # class 1's bright columns
    assert bar.mean() > 0.8
    colour = load_image_folder(tmp_path / "bars", size=(6, 4), colour=True)
    assert colour.image == (4, 6, 3) and colour.dims == 72


def test_an_array_of_images_keeps_its_shape(tmp_path):
    images = np.random.default_rng(0).random((20, 5, 7))
    np.savez(tmp_path / "images.npz", x=images, y=np.arange(20) % 2)
    points = load_points(tmp_path / "images.npz")
    assert points.image == (5, 7, 1) and points.dims == 35


def test_too_many_features_are_refused_in_one_line(tmp_path):
    np.savez(tmp_path / "wide.npz", x=np.zeros((4, MAX_FEATURES + 1)), y=[0, 1, 0, 1])
    with pytest.raises(CustomError, match=f"{MAX_FEATURES + 1:,} features a point"):
        load_points(tmp_path / "wide.npz")


def test_standardize_keeps_what_undoes_it():
    x, y = six_features()
    from model.points import points_from_arrays

    points = standardized(points_from_arrays(x * [1, 10, 100, 1, 1, 1000], y))
    info = points.meta()["standardize"]
    np.testing.assert_allclose(points.x.std(0), 1, atol=1e-4)
    undone = points.x * np.asarray(info["std"]) + np.asarray(info["mean"])
    np.testing.assert_allclose(undone, x * [1, 10, 100, 1, 1, 1000], rtol=1e-4, atol=1e-3)


def test_the_run_size_check_counts_the_wide_input():
    check_run_size([2, 1024, 10], 20_000, 10, 10, 2000)  # a narrow input fits
    with pytest.raises(LimitError, match="training 20,000 points through 4096-1024-10"):
        check_run_size([4096, 1024, 10], 20_000, 10, 10, 2000)


# -- the command: states, and bad input ---------------------------------------


def test_the_view_keeps_the_variance_a_pca_of_the_stage_keeps(tmp_path, capsys):
    x, y = six_features()
    write_table(tmp_path / "six.csv", x, y)
    out = tmp_path / "out"
    code = model_main(["--data", str(tmp_path / "six.csv"), "--widths", "5,3", "--epochs", "40",
                       "--standardize", "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    states = load_states(out / "states.npz")
    assert states.widths == [6, 5, 3, 3]
    assert states.meta["custom"]["columns"] == [f"f{i}" for i in range(6)]
    assert len(states.meta["custom"]["standardize"]["mean"]) == 6
    kept = states.meta["variance_kept"]
    assert set(kept) == {str(t) for t in range(len(states.stages())) if states.is_projected(t)}
    inputs = np.asarray(states["inputs"], dtype=np.float64)
    singular = np.linalg.svd(inputs - inputs.mean(0), compute_uv=False)
    assert kept["0"] == pytest.approx((singular[:3] ** 2).sum() / (singular**2).sum(), abs=1e-4)
    assert all(0 < share <= 1 for share in kept.values())


def bad_inputs(folder):
    """``(arguments, the words of the one line)`` for every kind of bad wide input."""
    x, y = six_features(12)
    write_table(folder / "good.csv", x, y)
    lines = (folder / "good.csv").read_text().splitlines()
    (folder / "ragged.csv").write_text("\n".join([*lines[:4], lines[4] + ",1.0", *lines[5:]]))
    cells = lines[6].split(",")
    cells[3] = "n/a"
    (folder / "cell.csv").write_text("\n".join([*lines[:6], ",".join(cells), *lines[7:]]))
    (folder / "single.csv").write_text(
        "\n".join([lines[0], *(line.rsplit(",", 1)[0] + ",k0" for line in lines[1:])])
    )
    write_images(folder / "broken")
    (folder / "broken" / "class1" / "3.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    write_images(folder / "alone", classes=1)
    return [
        ("ragged.csv", [], "ragged.csv line 5: 8 cells, expected 7"),
        ("cell.csv", [], "cell.csv line 7, column 'f3': 'n/a' is not a number"),
        ("single.csv", [], "every point has the label 'k0'"),
        ("broken", [], "3.png: not a readable PNG or JPEG image"),
        ("alone", [], "every point has the label 'class0' in its sub-folders"),
        ("good.csv", ["--image-size", "8"], "--image-size and --colour are for a folder"),
        ("broken", ["--image-size", "0x8"], "--image-size '0x8': give the width"),
    ]


def test_bad_wide_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    for name, extra, words in bad_inputs(tmp_path):
        out = tmp_path / f"out-{name}"
        code = model_main(["--data", str(tmp_path / name), *extra, "--out", str(out)])
        err = capsys.readouterr().err.strip()
        assert code == 2, (name, err)
        assert err.count("\n") == 0 and words in err, (name, err)
        assert not out.exists(), name
