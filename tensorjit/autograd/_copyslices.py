"""In-place ops on views of tensors with history: PyTorch's CopySlices.

Note [view history]
    A view that autograd records (``register_op(..., view=True)``) gets a ``ViewMeta`` naming
    its ROOT base (a view of a view names the base of the first), its own geometry (shape,
    strides and offset in the shared storage) and the storage version its ``grad_fn`` was made
    at (tensorjit/autograd/graph.py). Two rules follow PyTorch:

    * An in-place op on such a view rebases the BASE: the base's history becomes a
      ``CopySlices`` node whose next edges are the base's old history and the in-place op's
      other operands. Its backward takes the base-shaped gradient, hands the view's region of
      it to the in-place op's node (whose first input was the view's old value) and writes the
      gradient that node gives the old view back into that region; the other operands' grads
      pass through. Everything is written with tensorjit ops, so ``create_graph=True`` records it.
    * A view's history is read off its base's: when the storage version moved since the
      view's ``grad_fn`` was made (a write through the base or through any view of it), the
      next use of the view (``grad_fn``, or as an operand) gets ``AsStridedBackward0`` over
      the base's current history. Views of one base taken before a write thus see it.

    Views returned by an op with several outputs (split, chunk) may not be written in place,
    nor used after their base was written (PyTorch's errors); nor may views of a leaf that
    requires grad (check_inplace in graph.py).
"""
from __future__ import annotations

import numpy as np

from .._views import as_strided as _as_strided
import weakref

from .._tensor import Tensor
from .graph import (_FN_SLOT, _FREED, _STATE, Node, SavedTensor, ViewMeta, _op_name, check_version, edge, make_result,
                    plain, rebase, version_of)


def _positions(shape, strides, offset):
    """The storage position of every element of a (shape, strides, offset) layout, in C order."""
    p = np.full((), offset, np.int64)
    for n, s in zip(shape, strides):
        p = p[..., None] + np.arange(n, dtype=np.int64) * s
    return p.reshape(-1)


def _view_index(base_geom, view_geom):
    """Per element of the view (C order), the C-order flat index of the same element in the base."""
    pb = _positions(*base_geom)
    pv = _positions(*view_geom)
    if pb.size == 0 or pv.size == 0:
        return np.zeros(0, np.int64)
    lo = int(pb.min())
    inv = np.full(int(pb.max()) - lo + 1, -1, np.int64)
    inv[pb - lo] = np.arange(pb.size, dtype=np.int64)
    rel = pv - lo
    if rel.min() < 0 or rel.max() >= inv.size or (inv[rel] < 0).any():
        raise RuntimeError("as_strided: the view reaches outside the storage of its base")
    return inv[rel]


def _dense_order(shape, strides):
    """The dim order in which a layout is C-contiguous (a dense permutation), or None."""
    order = sorted(range(len(shape)), key=lambda d: -strides[d])
    expect = 1
    for d in reversed(order):
        if shape[d] != 1:
            if strides[d] != expect:
                return None
            expect *= shape[d]
    return order


def _no_overlap(shape, strides):
    """Whether no two elements of a layout share a position (a sufficient test)."""
    span = 0
    for s, n in sorted((s, n) for n, s in zip(shape, strides) if n > 1):
        if s <= span:
            return False
        span += (n - 1) * s
    return True


def _real_units(geom):
    """A complex layout as the layout of its float pairs (``view_as_real``'s)."""
    shape, strides, offset = geom
    return shape + (2,), tuple(2 * s for s in strides) + (1,), 2 * offset


class _StridedNode(Node):
    """What AsStridedBackward0 and CopySlices share: the base and view layouts, and the map
    from the view's elements to the base's (built on first use).

    Note [complex part views]
        A view of another dtype than its base (``real``, ``imag``, ``view_as_real`` of a
        complex base, ``view_as_complex`` of a real one) counts its strides and offset in its
        own elements; both layouts are then taken in real units (a complex layout as its float
        pairs) and the gradients of the complex side go through ``view_as_real`` /
        ``view_as_complex`` on the way in and out."""

    def _setup(self, base, view_geom, view_dtype=None):
        """``base``: the base tensor, or a node already set up with the same base."""
        if isinstance(base, _StridedNode):
            self.base_shape, self.base_dtype, geom = base.base_shape, base.base_dtype, base.base_geom0
        else:
            self.base_shape, self.base_dtype = base._shape, base._dtype
            geom = (base._shape, base._strides, base._offset)
        vd = view_dtype or self.base_dtype
        self.base_geom0, self.view_geom0, self.view_dtype = geom, view_geom, vd
        self.cx_base = self.base_dtype.category == 3 and vd.category != 3
        self.cx_view = vd.category == 3 and self.base_dtype.category != 3
        self.base_geom = _real_units(geom) if self.cx_base else geom
        self.view_geom = _real_units(view_geom) if self.cx_view else view_geom
        self._index = None
        self.out_meta = [(self.base_shape, self.base_dtype)]

    def _to_real(self, g, cx):
        if cx:
            from .._complex import view_as_real
            return view_as_real(g)
        return g

    def _to_complex(self, g, cx):
        if cx:
            from .._complex import view_as_complex
            return view_as_complex(g)
        return g

    def strided(self):
        """When no graph is recorded, the base is a dense permutation and the view does not
        overlap itself, the view can be addressed as an as_strided view of a contiguous copy
        of the permuted base: (order, inverse order, view offset in that copy); else None."""
        if _STATE[0]:
            return None
        plan = self.__dict__.get("_plan", False)
        if plan is False:
            shape, strides, offset = self.base_geom
            order = _dense_order(shape, strides)
            vs = self.view_geom
            if order is None or offset > vs[2] or min(vs[1], default=0) < 0 or not _no_overlap(vs[0], vs[1]):
                plan = None
            else:
                plan = (tuple(order), tuple(sorted(range(len(order)), key=order.__getitem__)), vs[2] - offset)
            self._plan = plan
        return plan

    def region(self, t, plan):
        """The view's region of ``t`` (contiguous in the permuted base's order)."""
        return _as_strided(t, self.view_geom[0], self.view_geom[1], plan[2])

    def index(self, device):
        if self._index is None:
            from .._creation import from_numpy
            self._index = from_numpy(_view_index(self.base_geom, self.view_geom))
        if self._index.device != device:
            self._index = self._index.to(device)
        return self._index

    def scatter(self, g):
        """Gradient ``g`` of the view as a gradient of the base (zero outside the view)."""
        from .._creation import zeros
        g = self._to_real(g, self.cx_view)
        n = 1
        for s in self.base_geom[0]:
            n *= s
        flat = zeros(n, dtype=g._dtype, device=g.device)
        r = flat.index_add(0, self.index(g.device), g.reshape(-1)).reshape(self.base_geom[0])
        return self._to_complex(r, self.cx_base)


class AsStridedBackward0(_StridedNode):
    """The history of a view regenerated from its base's (Note [view history])."""

    def __init__(self, base_edge, base, view_geom, view_dtype=None):
        super().__init__([base_edge])
        self._setup(base, view_geom, view_dtype)

    def apply(self, grads):
        g = grads[0]
        if g is None:
            return [None]
        plan = self.strided()
        if plan is None:
            return [self.scatter(g)]
        from .._creation import zeros
        g = self._to_real(plain(g), self.cx_view)
        out = zeros(tuple(self.base_geom[0][d] for d in plan[0]), dtype=g._dtype, device=g.device)
        self.region(out, plan).copy_(g)
        return [self._to_complex(out.permute(plan[1]), self.cx_base)]


class CopySlices(_StridedNode):
    """The history of a base after an in-place op on one of its views (Note [view history])."""

    def __init__(self, base, view, fn, k=None):
        if k is None:
            k = next((i for i, t in enumerate(getattr(fn, "inputs", ())) if t is view), None)
        rest = [e for i, e in enumerate(fn.next_functions) if i != k]
        super().__init__([edge(base)] + rest)
        self._setup(base, (view._shape, view._strides, view._offset), view._dtype)
        self.fn = fn
        self.k = k

    def name(self):
        return "torch::autograd::CopySlices"    # PyTorch's name(); its repr says CopySlices

    def __repr__(self):
        return f"<CopySlices object at {hex(id(self))}>"

    def release(self):
        self._released = True
        self.fn.release()

    def apply(self, grads):
        g = self._to_real(grads[0], self.cx_base)     # Note [complex part views]
        plan = self.strided()
        if plan is not None:
            gp = plain(g).permute(plan[0]).clone(memory_format="contiguous_format")
            region = self.region(gp, plan)
            res = list(self.fn.apply([self._to_complex(region.clone(), self.cx_view)]))
            gv = res.pop(self.k) if self.k is not None else None
            if gv is None:
                region.zero_()
            else:
                region.copy_(self._to_real(plain(gv), self.cx_view))
            return [self._to_complex(gp.permute(plan[1]), self.cx_base)] + res
        idx = self.index(g.device)
        flat = g.reshape(-1)
        region = flat.index_select(0, idx).reshape(self.view_geom[0])
        res = list(self.fn.apply([self._to_complex(region, self.cx_view)]))
        gv = res.pop(self.k) if self.k is not None else None
        flat = flat.index_fill(0, idx, 0)
        if gv is not None:
            flat = flat.index_add(0, idx, self._to_real(gv, self.cx_view).reshape(-1))
        return [self._to_complex(flat.reshape(self.base_geom[0]), self.cx_base)] + res


def _view_dtype(node, nr):
    """The dtype of output ``nr`` of a view's node (Note [complex part views]); None: unknown,
    the base's."""
    if isinstance(node, _StridedNode):
        return node.view_dtype
    meta = getattr(node, "out_meta", None)
    if meta and nr < len(meta) and meta[nr] is not None:
        return meta[nr][1]
    return None


def regenerate(m, old):
    """The history of view meta ``m`` once its storage was written (Note [view history])."""
    if m.multi:
        raise RuntimeError(f"Output {m.output_nr} of {_op_name(old)} is a view and its base or another view of its "
                           "base has been modified inplace. This view is the output of a function that returns "
                           "multiple views. Such functions do not allow the output views to be modified inplace. "
                           "You should replace the inplace operation by an out-of-place one.")
    base = m.view_of
    e = edge(base)
    if e[0] is None:        # the base left the graph (detach_()): nothing to read the history from
        m.version = version_of(base)
        return old
    node = AsStridedBackward0(e, base, m.geometry, _view_dtype(old, m.output_nr))
    _move_retained(m, old, node)
    m.grad_fn = node        # the setter records the version
    m.output_nr = 0
    return node


def _move_retained(m, old, new, nr=0):
    """A tensor that retains its grad keeps retaining it across a change of history (the grad
    of its new value, output ``nr`` of ``new``, as PyTorch's); call before ``m.output_nr`` changes."""
    if m.retains_grad and old is not None and old._retained:
        ref = old._retained.pop(m.output_nr, None)
        if ref is not None:
            if new._retained is None:
                new._retained = {}
            new._retained[nr] = ref


def rebase_inplace(t, node, nr=0, k=None):
    """Make output ``nr`` of ``node`` (an in-place op's, ``t`` one of its inputs) the history of
    ``t``; when ``t`` is a recorded view (then ``nr`` is 0), its base's history becomes a
    CopySlices over ``node`` instead (returned; None otherwise). ``k``: ``t``'s place among the
    node's inputs (found in ``node.inputs`` when None)."""
    m = getattr(t, "_ag", None)
    if type(m) is not ViewMeta:
        if m is not None:
            _move_retained(m, m.grad_fn, node, nr)
        rebase(t, node, nr)
        return None
    base = m.view_of
    cs = CopySlices(base, t, node, k)
    bm = base._ag
    _move_retained(bm, bm.grad_fn, cs)
    rebase(base, cs)
    view_fn = AsStridedBackward0((cs, 0), base, m.geometry, t._dtype)
    _move_retained(m, _FN_SLOT.__get__(m), view_fn)
    m.grad_fn = view_fn
    m.output_nr = 0
    return cs


class SavedViewResult(SavedTensor):
    """The saved result of an in-place op on a view: unpacked for a recorded backward, its
    history is the view's (AsStridedBackward0 over the CopySlices), not the in-place op's node,
    which only runs inside the CopySlices (PyTorch saves it so too). The CopySlices is alive
    whenever this is unpacked (its node runs only from there), so it is held weakly."""

    __slots__ = ("cs",)

    def __init__(self, saved, cs):
        self.value, self.version, self.is_output, self.nr = saved.value, saved.version, True, saved.nr
        self.cs = weakref.ref(cs)

    def unpack(self, node):
        if node._released:
            raise RuntimeError(_FREED)
        v = self.value
        check_version(v, self.version, node, self.nr)
        cs = self.cs()
        if _STATE[0] and cs is not None:
            v = Tensor.detach(v)
            make_result(v, AsStridedBackward0((cs, 0), cs, cs.view_geom0, cs.view_dtype))
        return v

