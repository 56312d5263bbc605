"""save/load (Note [file format]), safetensors and HDF5: round trips, shared storage, hostile files."""
import io
import os
import pickle
import struct

import numpy as np
import pytest

import tensorjit as tj
from tensorjit import serialization

DTYPES = ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32",
          "float64", "complex64", "complex128"]


def _sample(dtype, shape=(3, 4)):
    a = (np.arange(np.prod(shape)).reshape(shape) * 7 % 5)
    if dtype.startswith("complex"):
        a = a + 1j * a[::-1]
    return tj.from_numpy(a.astype(dtype))


LAYOUTS = {
    "contiguous": lambda t: t,
    "transposed": lambda t: t.t(),
    "stepped": lambda t: t[:, ::2],
    "offset": lambda t: t[1:, 1:],
    "0-d": lambda t: t[1, 2],
    "empty": lambda t: t[:0],
    "expanded": lambda t: t[:1].expand(5, 4),
}


def _round_trip(obj, **kw):
    buf = io.BytesIO()
    tj.save(obj, buf)
    buf.seek(0)
    return tj.load(buf, **kw)


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.stride() == b.stride() and a.storage_offset() == b.storage_offset()
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips(dtype):
    t = _sample(dtype)
    _same(_round_trip(t), t)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_layout_round_trips(layout):
    t = LAYOUTS[layout](_sample("float32"))
    _same(_round_trip(t), t)


def test_views_share_storage_after_loading():
    x = tj.arange(12.0).view(3, 4)
    z = tj.tensor([1 + 2j, 3 - 1j])
    d = _round_trip({"x": x, "t": x.t(), "row": x[1, 1:], "z": z, "re": z.real, "im": z.imag})
    for k, v in {"x": x, "t": x.t(), "row": x[1, 1:], "re": z.real, "im": z.imag}.items():
        _same(d[k], v)
    d["x"][1, 1] = 100.0
    assert d["row"][0].item() == 100.0 and d["t"][1, 1].item() == 100.0
    d["im"][1] = 5.0
    assert d["z"][1].item() == 3 + 5j


def test_slice_of_a_large_array_saves_only_its_span():
    a = np.arange(1_000_000, dtype=np.float64)
    buf = io.BytesIO()
    tj.save(tj.from_numpy(a[10:20]), buf)
    assert len(buf.getvalue()) < 1000


def test_plain_values_round_trip():
    obj = {"a": [1, 2.5, None, True, "s"], 3: (float("inf"), float("nan"), 1j, b"\x00\xff"), "__x": tj.float16,
           (1, 2): {"nested": [tj.ones(2)]}}
    got = _round_trip(obj)
    assert got["a"] == obj["a"] and got["__x"] is tj.float16
    assert got[3][0] == float("inf") and np.isnan(got[3][1]) and got[3][2:] == (1j, b"\x00\xff")
    assert got[(1, 2)]["nested"][0].tolist() == [1.0, 1.0]


def test_unsupported_object_is_refused_on_save():
    with pytest.raises(TypeError, match="can't save an object of type object"):
        tj.save({"x": object()}, io.BytesIO())


def test_path_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.tj"
    tj.save({"w": tj.ones(3)}, path)
    good = path.read_bytes()

    def boom(obj, f):
        f.write(b"partial")
        raise OSError("disk full")
    monkeypatch.setattr(serialization, "_serialize", boom)
    with pytest.raises(OSError, match="disk full"):
        tj.save({"w": tj.zeros(3)}, path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["m.tj"]     # no temporary file left behind


def test_mmap_load(tmp_path):
    path = tmp_path / "big.tj"
    x = tj.arange(100_000, dtype=tj.float32)
    tj.save({"x": x, "tail": x[-10:]}, path)
    d = tj.load(path, mmap=True)
    _same(d["x"], x)
    d["x"][-1] = -1.0          # copy-on-write: visible through the view, not in the file
    assert d["tail"][-1].item() == -1.0
    _same(tj.load(path)["x"], x)


def test_map_location_cpu():
    assert _round_trip(tj.ones(2), map_location="cpu").device == tj.device("cpu")


# -- hostile and broken files -----------------------------------------------------------------
class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_PICKLE",))


def test_pickle_is_refused_and_nothing_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(serialization.LoadError, match="pickle"):
        tj.load(path)
    assert not (tmp_path / "PWNED_BY_PICKLE").exists()


def _edit_header(raw, old, new):
    """``raw`` with ``old`` replaced by ``new`` in its JSON header (lengths and alignment redone)."""
    (n,) = struct.unpack("<Q", raw[8:16])
    data0 = 16 + n + (-(16 + n)) % serialization.ALIGN
    text = raw[16:16 + n]
    assert old in text
    text = text.replace(old, new)
    start = 16 + len(text)
    return raw[:8] + struct.pack("<Q", len(text)) + text + b"\0" * ((-start) % serialization.ALIGN) + raw[data0:]


def test_header_cannot_name_code(tmp_path):
    raw = _edit_header(_saved({"a": 1}), b'"a":1', b'"__reduce__":1')
    with pytest.raises(serialization.LoadError, match="unknown tag"):
        tj.load(io.BytesIO(raw))


def _saved(obj):
    buf = io.BytesIO()
    tj.save(obj, buf)
    return buf.getvalue()


@pytest.mark.parametrize("cut", [4, 12, 30, -3])
def test_truncated_files(tmp_path, cut):
    raw = _saved({"x": tj.arange(100.0)})
    path = tmp_path / "t.tj"
    path.write_bytes(raw[:cut])
    with pytest.raises(serialization.LoadError, match=str(path)):
        tj.load(path)


def test_corrupted_data_is_detected():
    raw = bytearray(_saved({"x": tj.arange(100.0)}))
    raw[-100] ^= 0xFF
    with pytest.raises(serialization.LoadError, match="checksum"):
        tj.load(io.BytesIO(bytes(raw)))


def test_wrong_magic_and_zip():
    with pytest.raises(serialization.LoadError, match="not a tensorjit file"):
        tj.load(io.BytesIO(b"hello world, not a tensor file"))
    with pytest.raises(serialization.LoadError, match="zip"):
        tj.load(io.BytesIO(b"PK\x03\x04" + b"\0" * 40))


def test_huge_declared_sizes():
    raw = _saved({"x": tj.ones(4)})
    huge_header = raw[:8] + struct.pack("<Q", 1 << 62) + raw[16:]
    with pytest.raises(serialization.LoadError, match="larger than the file"):
        tj.load(io.BytesIO(huge_header))
    raw2 = _edit_header(raw, b'"nbytes":16', b'"nbytes":99999999999')
    with pytest.raises(serialization.LoadError, match="truncated"):
        tj.load(io.BytesIO(raw2))
    raw3 = _edit_header(raw, b'"shape":[4]', b'"shape":[400]')
    with pytest.raises(serialization.LoadError, match="outside"):
        tj.load(io.BytesIO(raw3))


# -- safetensors -------------------------------------------------------------------------------
def _st_tensors():
    return {"w": _sample("float32").t(), "b": _sample("int16")[0], "c": _sample("complex64"), "h": _sample("float16"),
            "e": tj.zeros(0, dtype=tj.bool), "u": _sample("uint64"), "z": _sample("float64")[1:, ::2]}


def test_safetensors_round_trip(tmp_path):
    t = _st_tensors()
    tj.safetensors.save_file(t, tmp_path / "m.safetensors", metadata={"step": "1"})
    got = tj.safetensors.load_file(tmp_path / "m.safetensors")
    assert set(got) == set(t)
    for k in t:
        assert got[k].dtype == t[k].dtype and got[k].is_contiguous()
        np.testing.assert_array_equal(got[k].numpy(), t[k].numpy())


def test_safetensors_bytes_match_the_package():
    st = pytest.importorskip("safetensors.numpy", reason="byte compatibility is checked against safetensors")
    t = _st_tensors()
    ours = tj.safetensors.save(t, metadata={"a": "b"})
    theirs = st.save({k: np.ascontiguousarray(v.numpy()) for k, v in t.items()}, metadata={"a": "b"})
    assert ours == theirs
    back = st.load(ours)
    for k in t:
        np.testing.assert_array_equal(back[k], t[k].numpy())


def test_safetensors_refuses_bad_input():
    with pytest.raises(TypeError, match="complex128"):
        tj.safetensors.save({"x": tj.zeros(2, dtype=tj.complex128)})
    good = tj.safetensors.save({"x": tj.ones(3)})
    with pytest.raises(tj.safetensors.SafetensorError, match="does not fit"):
        tj.safetensors.load(good[:20])
    with pytest.raises(tj.safetensors.SafetensorError, match="trailing"):
        tj.safetensors.load(good + b"\0\0\0\0")


# -- HDF5 --------------------------------------------------------------------------------------
def test_hdf5_round_trip_and_direct_use(tmp_path):
    h5py = pytest.importorskip("h5py", reason="the hdf5 extra is optional")
    t = {"a": _sample("float32").t(), "g/b": _sample("int64")}
    tj.hdf5.save(t, tmp_path / "x.h5")
    got = tj.hdf5.load(tmp_path / "x.h5")
    for k in t:
        np.testing.assert_array_equal(got[k].numpy(), t[k].numpy())
    with h5py.File(tmp_path / "y.h5", "w") as f:
        f.create_dataset("x", data=t["a"])        # h5py takes a tensor through the NumPy protocols
    with h5py.File(tmp_path / "y.h5", "r") as f:
        part = tj.from_numpy(f["x"][1:3])
    np.testing.assert_array_equal(part.numpy(), t["a"].numpy()[1:3])
