"""Sparse tensors: the COO and CSR layouts (Note [sparse storage] in _tensor.py), registered with
the layout dispatcher (Note [layout dispatch] in tensorjit/_layouts.py).

``tensorjit.sparse_coo_tensor`` and ``tensorjit.sparse_csr_tensor`` make them; dense tensors
convert with ``to_sparse()`` / ``to_sparse_csr()`` and back with ``to_dense()``. The ops
that run on them are in _ops.py (pointwise, ``sum``, ``transpose``) and _products.py
(``matmul``, ``mm``, ``mv``, ``addmm``).

>>> import tensorjit as tj
>>> s = tj.tensor([[0., 2.], [3., 0.]]).to_sparse()
>>> (s * 2).to_dense().tolist(), (s @ tj.ones(2, 1)).tolist()
([[0.0, 4.0], [6.0, 0.0]], [[2.0], [3.0]])
"""
from . import _tensor, _ops, _products  # importing _ops and _products registers the sparse implementations

SparseCOOTensor, SparseCSRTensor = _tensor.SparseCOOTensor, _tensor.SparseCSRTensor
sparse_coo_tensor, sparse_csr_tensor = _tensor.sparse_coo_tensor, _tensor.sparse_csr_tensor
sum = _ops.sum                               # torch.sparse.sum
mm, addmm = _products.mm, _products.addmm    # torch.sparse.mm, torch.sparse.addmm

__all__ = ["sparse_coo_tensor", "sparse_csr_tensor"]
