"""The states loader's memory: a refused file costs a header, a legal one its arrays.

A member the schema refuses is refused from its header, before a byte of its
data is decompressed; a legal member is read straight into its array. The
memory test loads each file in a fresh process whose peak resident set is
reset at the start (``/proc/self/clear_refs``), so the growth measured is the
loader's own, not the imports' or the parent's. Its files are the MNIST
preset's states, the largest a preset writes, and copies of it with one member
rewritten as the fuzzing of issue 34 did: ``W0`` as ``<U5`` text (225 MB), as
float64 or int64 (90 MB), a ``meta`` of 30 million letters (120 MB), and
``W0`` as ``<U5`` zeros under LZMA (a few kB of them decompress to tens of MB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import model.reading
from model.states import StatesError, load_states

REPO = Path(__file__).resolve().parents[2]
MB = 2**20
#: zipfile writes LZMA members with preset 6's 8 MiB dictionary, which decoding a member
#: touches up to the member's size and the C allocator may keep: it comes on top of the arrays.
LZMA_DICTIONARY = 8 * MB

# Runs in the child: everything the loader imports is imported before the start mark.
_MEASURE = """
import json, sys
import model.activations, model.states
from model.states import StatesError, load_states

def status(field):
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith(field + ":"))
    return int(line.split()[1]) * 1024

with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")  # the peak resident set starts again from here
start = status("VmRSS")
try:
    states = load_states(sys.argv[1])
    outcome = "loaded"
except StatesError as err:
    outcome = str(err)
print(json.dumps({"grew": status("VmHWM") - start, "outcome": outcome}))
"""


def _peak_growth(path: Path) -> tuple[int, str]:
    """Bytes the resident set grew by while a fresh process loaded ``path``, and the outcome."""
    env = os.environ | {"PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    return result["grew"], result["outcome"]


def _arrays_bytes(path: Path) -> int:
    """Bytes of all the arrays of an ``.npz``, from their headers."""
    total = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as handle:
                if np.lib.format.read_magic(handle) == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
            total += int(np.prod(shape)) * dtype.itemsize
    return total


def _write_member(
    archive: zipfile.ZipFile,
    key: str,
    value: np.ndarray | None,
    dtype: str,
    shape: tuple,
    compression: int,
) -> None:
    """``value`` as ``dtype`` (zeros if None), a slab at a time so this process stays small."""
    info = zipfile.ZipInfo(f"{key}.npy")
    info.compress_type = compression
    header = {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape}
    with archive.open(info, "w", force_zip64=True) as member:
        np.lib.format.write_array_header_1_0(member, header)
        if value is None:
            zeros = bytes(int(np.prod(shape[1:])) * np.dtype(dtype).itemsize)
            for _ in range(shape[0]):
                member.write(zeros)
        elif value.ndim == 0:
            member.write(value.astype(dtype).tobytes())
        else:
            as_dtype = np.arange(256).astype(dtype) if value.dtype == np.uint8 else None
            for slab in value.reshape(-1, value.shape[-1]):
                slab = as_dtype[slab] if as_dtype is not None else slab.astype(dtype)
                member.write(slab.tobytes())


def _rewritten(
    src: Path,
    dst: Path,
    key: str,
    value: np.ndarray | None,
    dtype: str,
    shape: tuple = (),
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A copy of ``src`` with member ``key`` rewritten as ``value`` in ``dtype`` (or zeros of
    ``shape``) and ``compression``, the other members as they were (deflated, quicker)."""
    shape = shape or value.shape
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, 1) as new:
        for info in old.infolist():
            if info.filename == f"{key}.npy":
                _write_member(new, key, value, dtype, shape, compression)
            else:
                new.writestr(info.filename, old.read(info))
    return dst


def peak_growths(legal: Path, folder: Path) -> dict[str, int]:
    """``{case: peak growth}`` of loading ``legal`` and each of its refused rewrites.

    The legal file is checked to load, every rewrite to be refused. The big
    members are stored (quicker to write, read the same), and each rewrite is
    deleted once measured.
    """
    with np.load(legal, allow_pickle=False) as npz:
        planes, meta = npz["W0"], json.loads(str(npz["meta"]))
    assert planes.shape[-1] == 784, planes.shape  # MNIST-sized
    long_meta = np.array(json.dumps(meta | {"notes": "x" * 30_000_000}))  # 120 MB as <U
    stored = {"compression": zipfile.ZIP_STORED}
    refused = {
        "W0 as <U5 text": lambda bad: _rewritten(legal, bad, "W0", planes, "<U5", **stored),
        "W0 as float64": lambda bad: _rewritten(legal, bad, "W0", planes, "<f8", **stored),
        "W0 as int64": lambda bad: _rewritten(legal, bad, "W0", planes, "<i8", **stored),
        "meta of 30 M letters": lambda bad: _rewritten(
            legal, bad, "meta", long_meta, long_meta.dtype.str
        ),
        "W0 as <U5 zeros, LZMA": lambda bad: _rewritten(
            legal, bad, "W0", None, "<U5", shape=planes.shape, compression=zipfile.ZIP_LZMA
        ),
    }
    grew, outcome = _peak_growth(legal)
    assert outcome == "loaded", outcome
    figures = {"legal": grew}
    for name, rewrite in refused.items():
        bad = rewrite(folder / "bad.npz")
        figures[name], outcome = _peak_growth(bad)
        bad.unlink()
        assert outcome != "loaded" and str(bad) in outcome, (name, outcome)
    return figures


@pytest.mark.slow
def test_a_refused_file_costs_next_to_nothing_and_a_legal_one_its_arrays(trained, tmp_path):
    legal = trained("mnist").path
    arrays_bytes = _arrays_bytes(legal)
    figures = peak_growths(legal, tmp_path)
    print({name: f"{grew / MB:.1f} MiB" for name, grew in figures.items()})
    print(f"arrays {arrays_bytes / MB:.1f} MiB")
    assert figures.pop("legal") < 1.3 * arrays_bytes + LZMA_DICTIONARY, (figures, arrays_bytes)
    for name, grew in figures.items():
        assert grew < 50 * MB, (name, figures)


# -- refused before reading, member by member (fast) --------------------------


@pytest.fixture(scope="module")
def wide(tmp_path_factory) -> Path:
    """A small trained file with stages wider than 3 (so with projections)."""
    from model.config import preset
    from model.train import train_and_export

    path = tmp_path_factory.mktemp("wide") / "wide.npz"
    config = preset("spirals2d", hidden=(8, 5, 2), epochs=4, snapshots=3, sample_points=24, grid=6)
    return train_and_export(config, path, progress=False)


def _shape_of(path: Path, key: str) -> tuple:
    with np.load(path, allow_pickle=False) as npz:
        return npz[key].shape


@pytest.mark.parametrize(
    "key, dtype, change, words",
    [
        ("W0", "<U5", None, "key 'W0' has dtype <U5, expected uint8"),
        ("W1", "<f8", None, "key 'W1' has dtype float64, expected uint8"),
        ("b2", "<i8", None, "key 'b2' has dtype int64, expected uint8"),
        ("inputs", "<f8", None, "key 'inputs' has dtype float64, expected float32"),
        ("loss", "<i8", None, "key 'loss' has dtype int64, expected kind 'f'"),
        ("W1", "|u1", lambda s: (*s[:2], s[2] + 1, s[3]), "key 'W1' has shape"),
        ("predictions", "<i8", lambda s: (s[0] + 1, s[1]), "key 'predictions' has shape"),
        ("final_probs", "<f4", lambda s: (s[0], s[1] + 1), "key 'final_probs' has shape"),
        ("proj_center1", "<f8", lambda s: (s[0] + 1,), "key 'proj_center1' has shape"),
        ("proj_basis1", "<f8", lambda s: (*s, 1), "key 'proj_basis1' has shape"),
        ("grid_pred", "<i8", lambda s: (s[0], s[1], s[2] + 1), "key 'grid_pred' has shape"),
        ("stage_dim", "<i8", lambda s: (s[0] * 1000,), "key 'stage_dim' has shape"),
    ],
)
def test_a_member_the_schema_refuses_is_refused_before_it_is_read(
    wide, tmp_path, monkeypatch, key, dtype, change, words
):
    shape = _shape_of(wide, key)
    bad = _rewritten(
        wide, tmp_path / "bad.npz", key, None, dtype, change(shape) if change else shape
    )
    read = _members_read(monkeypatch)
    with pytest.raises(StatesError, match=words):
        load_states(bad)
    assert read and key not in read, read  # small members were read, the refused one not


def _members_read(monkeypatch) -> list[str]:
    """The keys of the members the loader reads from now on, in order."""
    read: list[str] = []
    real_read = model.reading.NpzMembers.read
    monkeypatch.setattr(
        model.reading.NpzMembers,
        "read",
        lambda self, key, into=None: read.append(key) or real_read(self, key, into),
    )
    return read


def test_a_meta_over_its_cap_is_refused_before_it_is_read(wide, tmp_path, monkeypatch):
    from model.states import MAX_META_BYTES

    text = np.array("x" * (MAX_META_BYTES // 4 + 1))  # 4 bytes a letter
    bad = _rewritten(wide, tmp_path / "bad.npz", "meta", text, text.dtype.str)
    read = _members_read(monkeypatch)
    with pytest.raises(StatesError, match="key 'meta' is too long"):
        load_states(bad)
    assert read == ["version"], read


def test_the_file_itself_still_loads_with_its_weights_decoded_from_byte_planes(wide):
    states = load_states(wide)
    with np.load(wide, allow_pickle=False) as npz:
        planes = npz["W1"]
    expected = np.moveaxis(planes, 0, -1).copy().view("<f4")[..., 0]
    assert states["W1"].dtype == np.float32 and np.array_equal(states["W1"], expected)
    assert not states["W1"].flags.writeable


def test_the_reader_fills_fortran_strided_and_multi_chunk_arrays_exactly(tmp_path):
    from model.reading import CHUNK_BYTES, open_npz

    rng = np.random.default_rng(0)
    arrays = {
        "fortran": np.asfortranarray(rng.normal(size=(300, 7))),
        "big": rng.normal(size=(3, CHUNK_BYTES // 8 + 5)),  # rows longer than a chunk
        "text": np.array("héllo"),
        "empty": np.zeros((0, 4), dtype=np.int16),
    }
    path = tmp_path / "a.npz"
    np.savez_compressed(path, **arrays)

    def fail(what: str) -> Exception:
        return ValueError(what)

    with open_npz(
        path, max_file_bytes=2**26, budget=2**26, fail=fail, wanted=lambda key: True, strict=True
    ) as members:
        for key, value in arrays.items():
            got = members.read(key)
            assert got.dtype == value.dtype and np.array_equal(got, value), key
        assert members.read("fortran").flags.f_contiguous
        strided = np.empty(arrays["big"].shape[::-1]).T  # filled a piece of a row at a time
        assert members.read("big", into=strided) is strided and not strided.flags.c_contiguous
        assert np.array_equal(strided, arrays["big"])
        with pytest.raises(TypeError):
            members.read("big", into=np.empty(3))
