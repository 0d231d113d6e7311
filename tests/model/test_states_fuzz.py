"""Hostile states files: every mutation ends in a StatesError, or loads and is usable by `info`.

Seeded, in-process fuzzing of one small valid file: flipped bytes, truncation,
extra and replaced members, headers declaring huge shapes, 0-d and empty
arrays, out-of-range classes, stage tables that disagree with the widths, and
meta that is not an object, is nested deeply or carries markup and escapes.
"""

from __future__ import annotations

import io
import json
import random
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from model.cli import cli
from model.config import preset
from model.states import StatesError, load_states
from model.train import train_and_export

CASES = 1200


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "small.npz"
    config = preset("spirals2d", epochs=4, snapshots=3, sample_points=24, grid=6)
    train_and_export(config, path, progress=False)
    load_states(path)  # the seed file itself is valid
    return path


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _npz(arrays: dict[str, np.ndarray], compress: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def _npy_header(shape: tuple, dtype: str = "<f8") -> bytes:
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


META_MUTATIONS = [
    lambda m: "[1, 2, 3]",
    lambda m: "null",
    lambda m: '"just a string"',
    lambda m: "[" * 100_000 + "]" * 100_000,
    lambda m: "{not json",
    lambda m: json.dumps({k: v for k, v in m.items() if k != "final_accuracy"}),
    lambda m: json.dumps({k: v for k, v in m.items() if k != "activations"}),
    lambda m: json.dumps(m | {"final_accuracy": "high"}),
    lambda m: json.dumps(m | {"final_accuracy": 7}),
    lambda m: json.dumps(m | {"activations": ["tanh"] * 4 + ["no_such"]}),
    lambda m: json.dumps(m | {"activations": [1, 2, 3, 4, 5]}),
    lambda m: json.dumps(m | {"activations": "tanh"}),
    lambda m: json.dumps(m | {"name": "[/bold][red]x\x1b[31mred\x07"}),
    lambda m: json.dumps(m | {"seed": "[bold]"}),
    lambda m: json.dumps(m | {"versions": "\x1b]0;title\x07[/]"}),
    lambda m: json.dumps(m | {"label_names": [[1], {"a": 2}]}),
    lambda m: json.dumps(m | {"dead": [1, 2]}),
    lambda m: json.dumps(m | {"final_heldout_accuracy": "x"}),
]


def _replacement(rng: random.Random, arr: np.ndarray) -> np.ndarray:
    """A plausible but wrong stand-in for one array."""
    choice = rng.randrange(10)
    if choice == 0:
        return np.array(arr.ravel()[0] if arr.size else 0)  # 0-d
    if choice == 1:
        return arr[:0] if arr.ndim else arr.reshape(-1)[:0]  # empty along the first axis
    if choice == 2:
        return arr.astype(np.float64) if arr.dtype.kind in "iu" else arr.astype(np.int64)
    if choice == 3 and arr.dtype.kind == "f":
        out = arr.copy()
        out.ravel()[rng.randrange(out.size)] = np.nan
        return out
    if choice == 4:
        return np.concatenate([arr, arr]) if arr.ndim else arr.reshape(1)
    if choice == 5 and arr.dtype.kind in "iu":
        return arr.astype(np.int64) + rng.choice([-100, -1, 1, 5, 10**6])
    if choice == 6:
        return arr.astype(object).astype(str)
    if choice == 7 and arr.ndim > 1:
        return arr.reshape(-1)
    if choice == 8 and arr.dtype.kind in "iu" and arr.size:
        out = arr.astype(np.int64)  # room for values the file's own dtype cannot hold
        out.ravel()[rng.randrange(out.size)] = rng.choice([-1, 99, 2**40])
        return out
    return np.zeros((2, 3, 4, 5, 6), dtype=np.float32)


def _mutant(rng: random.Random, raw: bytes, arrays: dict[str, np.ndarray]) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:  # flip bytes anywhere, headers and compressed data alike
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == 1:  # truncate
        return raw[: rng.randrange(len(raw))]
    if kind == 2:  # one array replaced by a wrong one
        key = rng.choice(sorted(arrays))
        if key == "meta":
            key = "labels"
        return _npz(arrays | {key: _replacement(rng, arrays[key])}, rng.random() < 0.5)
    if kind == 3:  # one array removed
        key = rng.choice(sorted(arrays))
        return _npz({k: v for k, v in arrays.items() if k != key}, False)
    if kind == 4:  # meta replaced
        meta = json.loads(str(arrays["meta"]))
        text = rng.choice(META_MUTATIONS)(meta)
        return _npz(arrays | {"meta": np.array(text)}, False)
    buffer = io.BytesIO(raw)
    with zipfile.ZipFile(buffer, "a") as archive:
        if kind == 5:  # a member that is not .npy, or a strange key
            archive.writestr(rng.choice(["notes.txt", "extra.npy", "W99.npy"]), b"hi")
        elif kind == 6:  # a header that declares an enormous array
            shape = rng.choice([(10**12,), (10**6, 10**6), (2**62, 4)])
            archive.writestr("proj_center9.npy", _npy_header(shape) + b"\0" * 64)
        else:  # a second copy of a member, or a header bigger than its data
            name = rng.choice(["grid_extent.npy", "trace.npy", "big.npy"])
            archive.writestr(name, _npy_header((rng.randint(1, 10**7),)) + bytes(800))
    return buffer.getvalue()


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_every_mutated_states_file_is_refused_in_one_line_or_usable(valid, tmp_path):
    raw = valid.read_bytes()
    arrays = _arrays(valid)
    rng = random.Random(20261126)
    runner = CliRunner()
    refused = accepted = 0
    for case in range(CASES):
        path = tmp_path / f"case{case % 8}.npz"
        path.write_bytes(_mutant(rng, raw, arrays))
        try:
            states = load_states(path)
        except StatesError as err:
            message = str(err)
            assert "\n" not in message and len(message) < 600, message
            assert str(path) in message
            refused += 1
            continue
        accepted += 1
        for t in range(1, len(states.stages())):  # every stage applies and is labelled
            states.stage_label(t)
            states.apply(states["trace"][-1, t - 1, :, : int(states["stage_dim"][t - 1])], t)
        result = runner.invoke(cli, ["info", str(path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            case,
            result.output,
        )
        assert result.exit_code == 0, (case, result.output)
        assert "\x1b" not in result.output
    assert refused > CASES // 2 and accepted > 0, (refused, accepted)
    print(f"{CASES} mutated files: {refused} refused in one line, {accepted} accepted")


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda a, z: z.writestr("notes.txt", "hi"), "unexpected member"),
        (lambda a, z: z.writestr("proj_center9.npy", _npy_header((10**12,))), "size budget"),
    ],
)
def test_reproducers_from_the_issue(valid, tmp_path, mutate, words):
    path = tmp_path / "bad.npz"
    path.write_bytes(valid.read_bytes())
    with zipfile.ZipFile(path, "a") as archive:
        mutate(None, archive)
    with pytest.raises(StatesError, match=words):
        load_states(path)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_one_gib_zero_member_is_refused_before_it_is_read(valid, tmp_path):
    path = tmp_path / "big.npz"
    path.write_bytes(valid.read_bytes())
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("proj_center1.npy", "w", force_zip64=True) as member,
    ):
        member.write(_npy_header((2**27,)))
        chunk = bytes(2**24)
        for _ in range(64):  # 1 GiB of zeros, compressed to about 1 MB
            member.write(chunk)
    assert path.stat().st_size < 10 * 2**20
    with pytest.raises(StatesError, match="size budget"):
        load_states(path)


def test_a_flipped_byte_in_compressed_data_is_a_states_error(valid, tmp_path):
    raw = bytearray(valid.read_bytes())
    with zipfile.ZipFile(valid) as archive:  # the largest member (LZMA-compressed)
        info = max(archive.infolist(), key=lambda i: i.compress_size)
        assert info.compress_type == zipfile.ZIP_LZMA and info.compress_size > 60
    raw[info.header_offset + 30 + len(info.filename) + 40] ^= 0xFF
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(raw))
    with pytest.raises(StatesError, match=r"corrupt|unreadable"):
        load_states(path)


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("steps", np.array(3), "non-empty list"),
        ("labels", np.array(0), "non-empty list"),
        ("stage_kind", np.array(1), "non-empty list"),
        ("meta", np.array("[1]"), "not a JSON object"),
        ("meta", np.array("[" * 50_000 + "]" * 50_000), r"not valid JSON|not a JSON object"),
        ("stage_layer", "past", "stage plan"),
        ("stage_dim", "double", "does not match 'widths'"),
        ("predictions", "range", "must lie in"),
    ],
)
def test_semantic_reproducers(valid, tmp_path, key, value, words):
    arrays = _arrays(valid)
    if isinstance(value, str):
        arr = arrays[key].copy()
        arr.ravel()[-1] = {"past": 99, "double": arr.ravel()[-1] * 2, "range": 7}[value]
        value = arr
    path = tmp_path / "bad.npz"
    path.write_bytes(_npz(arrays | {key: value}, False))
    with pytest.raises(StatesError, match=words):
        load_states(path)


def test_info_prints_markup_and_escapes_as_text(valid, tmp_path):
    arrays = _arrays(valid)
    meta = json.loads(str(arrays["meta"])) | {"name": "[/bold]evil\x1b[2J"}
    path = tmp_path / "[bold]odd.npz"
    path.write_bytes(_npz(arrays | {"meta": np.array(json.dumps(meta))}, False))
    result = CliRunner().invoke(cli, ["info", str(path)])
    assert result.exit_code == 0, result.output
    assert "[/bold]evil\\x1b[2J" in result.output and "[bold]odd.npz" in result.output
