"""Hostile data files: every mutation ends in a one-line CustomError, or loads and trains.

Seeded, in-process fuzzing of one small valid CSV and one small valid
``.npz`` of points: flipped bytes, truncation, huge cells and lines, labels
mixing numbers and names, NaN and infinite values, wrong column counts, empty
files, binary junk and ``.npy`` headers declaring huge shapes. Plus the CSV
reproducers of the reliability issue, one test each.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from custom_harness import two_moons, write_csv

from model.custom import CustomError, custom_config, load_points, train_and_export_custom
from model.points import MAX_LINE_CHARS
from model.states import load_states
from model.train import build_mlp

CSV_CASES = 240
NPZ_CASES = 160


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("points")
    x, y = two_moons(12)
    csv_bytes = write_csv(folder / "moons.csv", x, y).read_bytes()
    buffer = io.BytesIO()
    np.savez(buffer, x=x, y=(y == "upper").astype(np.int64))
    load_points(folder / "moons.csv")  # both seeds are valid
    (folder / "moons.npz").write_bytes(buffer.getvalue())
    load_points(folder / "moons.npz")
    return {"csv": csv_bytes, "npz": buffer.getvalue()}


def _npy_header(shape: tuple, dtype: str = "<f8") -> bytes:
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _with_members(base: bytes, members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO(base)
    with zipfile.ZipFile(buffer, "a") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


BAD_CELLS = ["NaN", "nan", "inf", "-Infinity", "", "abc", "1e999", "0x10", "²", "\x00", "1,5"]
LABELS = [None, "label", "1", "3", "²", "9", "nope", "x"]


def _mutate_csv(rng: random.Random, seed: bytes) -> tuple[bytes, str | None]:
    lines = seed.decode().splitlines()
    choice = rng.randrange(14)
    label = rng.choice(LABELS) if rng.random() < 0.3 else None
    if choice == 0:  # flipped bytes
        raw = bytearray(seed)
        for _ in range(rng.randint(1, 6)):
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return bytes(raw), label
    if choice == 1:  # truncated
        return seed[: rng.randrange(len(seed))], label
    if choice == 2:  # a huge cell
        row = rng.randrange(1, len(lines))
        cells = lines[row].split(",")
        cells[rng.randrange(len(cells))] = "7" * rng.choice([5000, 131_073, 400_000])
        lines[row] = ",".join(cells)
    elif choice == 3:  # one label of the other kind
        row = rng.randrange(1, len(lines))
        lines[row] = lines[row].rsplit(",", 1)[0] + "," + rng.choice(["3", "2.5", "-1", "nan"])
    elif choice == 4:  # numeric labels, one stray name, or labels beyond 2**53
        big = rng.random() < 0.5
        for row in range(1, len(lines)):
            value = 2**53 + row % 2 if big else row % 3
            lines[row] = lines[row].rsplit(",", 1)[0] + f",{value}"
        if not big:
            lines[rng.randrange(1, len(lines))] += "x"
    elif choice == 5:  # a bad coordinate
        row = rng.randrange(1, len(lines))
        cells = lines[row].split(",")
        cells[rng.randrange(2)] = rng.choice(BAD_CELLS)
        lines[row] = ",".join(cells)
    elif choice == 6:  # a row with a cell more or less
        row = rng.randrange(1, len(lines))
        lines[row] = lines[row] + ",1" if rng.random() < 0.5 else lines[row].split(",", 1)[1]
    elif choice == 7:  # empty, blank, header only, comments only
        return rng.choice([b"", b"\n\n\n", lines[0].encode() + b"\n", b"# nothing\n"]), label
    elif choice == 8:  # binary junk
        return rng.randbytes(rng.randint(1, 3000)), label
    elif choice == 9:  # a line of many separators
        lines.insert(rng.randrange(1, len(lines)), "," * rng.choice([100, 200_000]))
    elif choice == 10:  # a NUL byte or a stray quote
        row = rng.randrange(len(lines))
        lines[row] = lines[row][:3] + rng.choice(["\x00", '"', "\r"]) + lines[row][3:]
    elif choice == 11:  # a fourth or fifth column
        lines = [line + ",0.5" * rng.randint(1, 2) for line in lines]
    elif choice == 12:  # a single class, or too many
        for row in range(1, len(lines)):
            name = "same" if rng.random() < 0.5 else f"c{row}"
            lines[row] = lines[row].rsplit(",", 1)[0] + f",{name}"
    else:  # another separator, or no header
        lines = [line.replace(",", rng.choice([";", "\t", " "])) for line in lines]
        if rng.random() < 0.5:
            lines = lines[1:]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"), label


def _mutate_npz(rng: random.Random, seed: bytes) -> tuple[bytes, str | None]:
    x = np.load(io.BytesIO(seed))["x"]
    y = np.load(io.BytesIO(seed))["y"]
    choice = rng.randrange(12)
    if choice == 0:
        raw = bytearray(seed)
        for _ in range(rng.randint(1, 6)):
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return bytes(raw), None
    if choice == 1:
        return seed[: rng.randrange(len(seed))], None
    if choice == 2:
        return rng.choice([b"", rng.randbytes(rng.randint(1, 2000)), b"PK\x03\x04"]), None
    if choice == 3:  # a header declaring a huge array, with or without data behind it
        shape = rng.choice([(10**12, 2), (2**40,), (len(y), 2**31), (2**62, 2**62)])
        name = rng.choice(["x.npy", "y.npy"])
        base = _npz(**{k: v for k, v in (("x", x), ("y", y)) if f"{k}.npy" != name})
        return _with_members(base, {name: _npy_header(shape)}), None
    if choice == 4:  # wrong shapes
        bad = rng.choice([x[:, :1], np.c_[x, x], x.ravel(), np.array(1.0), x[:0], x[:3]])
        return _npz(x=bad, y=y[: len(bad)] if bad.ndim else y), None
    if choice == 5:  # NaN or infinity
        bad = x.copy()
        bad[rng.randrange(len(bad)), rng.randrange(2)] = rng.choice([np.nan, np.inf, -np.inf])
        return _npz(x=bad, y=y), None
    if choice == 6:  # labels of other kinds
        labels = rng.choice(
            [
                y.astype(float) + 0.5,
                np.where(y, "a", "b"),
                np.where(y, "a", "7"),
                np.where(y, 2**60 + 1, 2**60),
                y.astype(bool),
                y.astype(complex),
                np.full(len(y), np.nan),
                np.arange(len(y)),
                y[:-1],
            ]
        )
        return _npz(x=x, y=labels), None
    if choice == 7:  # members missing, extra or not .npy
        extra = rng.choice([{}, {"notes.txt": b"hi"}, {"z.npy": b""}])
        return _with_members(_npz(x=x), extra), None
    if choice == 8:  # the labels under another name, asked for or not
        return _npz(x=x, labels=y), rng.choice([None, "labels", "nope"])
    if choice == 9:  # a pickled (object) array
        buffer = io.BytesIO()
        np.savez(buffer, x=x, y=np.array([{"a": 1}] * len(y), dtype=object))
        return buffer.getvalue(), None
    if choice == 10:  # a 3-D data set, or a text coordinate array
        if rng.random() < 0.5:
            return _npz(x=np.c_[x, x[:, :1]], y=y), None
        return _npz(x=x.astype(str), y=y), None
    return _npz(x=x.astype(rng.choice([np.float16, np.int8, np.float32])), y=y), None


def _check_case(path: Path, label: str | None, accepted: list) -> str:
    try:
        points = load_points(path, label)
    except CustomError as err:
        message = str(err)
        assert "\n" not in message and len(message) < 600, message[:800]
        assert path.name in message, message
        return "refused"
    assert points.x.dtype == np.float32 and np.isfinite(points.x).all()
    assert points.n_classes >= 2 and len(points.y) == len(points.x)
    accepted.append(points)
    return "accepted"


def test_mutated_data_files_are_refused_in_one_line_or_train(seeds, tmp_path):
    rng = random.Random(20261126)
    counts = {"refused": 0, "accepted": 0}
    accepted: list = []
    for case in range(CSV_CASES + NPZ_CASES):
        kind = "csv" if case < CSV_CASES else "npz"
        mutate = _mutate_csv if kind == "csv" else _mutate_npz
        data, label = mutate(rng, seeds[kind])
        path = tmp_path / f"case{case}.{kind}"
        path.write_bytes(data)
        counts[_check_case(path, label, accepted)] += 1
    assert counts["refused"] >= 250 and counts["accepted"] >= 30, counts
    config = custom_config(epochs=3, snapshots=2, sample_points=16, grid=6)
    for i, points in enumerate(accepted):  # every accepted file trains and exports
        model = build_mlp([points.dims, 3, points.n_classes], "tanh")
        out = train_and_export_custom(model, points, tmp_path / f"ok{i}.npz", config)
        assert load_states(out).n_classes == points.n_classes
    print(f"{CSV_CASES + NPZ_CASES} mutated data files: {counts}")


# -- the CSV reproducers ---------------------------------------------------------


def _csv(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


GOOD = "x,y,label\n0,0,a\n1,1,b\n0,1,a\n1,0,b\n"


@pytest.mark.parametrize(
    "body, label, words",
    [
        (
            "x,y,label\n1,2," + "a" * 131_073 + "\n",
            None,
            f"line 2 is longer than {MAX_LINE_CHARS:,} bytes",
        ),
        (GOOD, "²", "no label column named '²'"),
        ("x,y,label\n0,0,1\n1,1,2\n0,1,1\n1,0,two\n2,2,2\n", None, "line 5, column 'label'"),
        ("x,y,label\n0,0,a\n1,1,b\nnan,1,a\n1,0,b\n", None, "line 4, column 'x': NaN"),
        ("x,y,label\n0,0,a\n1,1,b\n0,-inf,a\n1,0,b\n", None, "line 4, column 'y'"),
        ("x,y,label\n0,0,a\n1,1,b\n0,1,a\n1,0,\x00b\n", None, "line 5"),
    ],
    ids=["huge-cell", "label-superscript", "mixed-labels", "nan", "inf", "nul"],
)
def test_csv_reproducers(tmp_path, body, label, words):
    path = _csv(tmp_path, "bad.csv", body)
    with pytest.raises(CustomError, match=words) as info:
        load_points(path, label)
    assert "\n" not in str(info.value) and "bad.csv" in str(info.value)


def test_labels_beyond_2_53_stay_distinct(tmp_path):
    big = 2**53
    body = "x,y,label\n" + "".join(f"{i},{i % 2},{big + i % 2}\n" for i in range(6))
    points = load_points(_csv(tmp_path, "big.csv", body))
    assert points.label_names == [str(big), str(big + 1)]
    assert points.y.tolist() == [0, 1, 0, 1, 0, 1]
    buffer = io.BytesIO()
    np.savez(buffer, x=np.eye(6, 2), y=np.array([2**62 + i % 2 for i in range(6)]))
    (tmp_path / "big.npz").write_bytes(buffer.getvalue())
    assert load_points(tmp_path / "big.npz").n_classes == 2


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder", "empty-npz", "truncated-npz"])
def test_special_and_broken_files_are_refused_without_reading(tmp_path, seeds, kind):
    if kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "fifo":
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)
    elif kind == "folder":
        path = tmp_path / "folder.csv"
        path.mkdir()
    else:
        path = tmp_path / "points.npz"
        path.write_bytes(b"" if kind == "empty-npz" else seeds["npz"][:200])
    with pytest.raises(CustomError) as info:
        load_points(path)
    message = str(info.value)
    assert path.name in message and "\n" not in message
    assert ("regular file" in message) == (kind in ("dev-zero", "fifo"))
