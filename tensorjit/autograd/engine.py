"""The backward engine: ``backward`` and ``grad``, as ``torch.autograd.backward`` / ``grad``.

Note [engine order]
    The engine walks the graph once from the roots to count, for each node, the edges that
    reach it; a node runs once all of them delivered their gradient (summed in its input
    buffer), the most recently recorded node first among those ready (PyTorch's order on one
    device). Gradients add with tensorjit ops; with ``create_graph=True`` grad mode stays on
    while the formulas run, so the backward is itself recorded (higher-order gradients).
    Unless ``retain_graph`` is true, every node that ran frees what it saved: a second
    backward through it raises PyTorch's error.
"""
from __future__ import annotations

import heapq

from .._tensor import Tensor
from .graph import AccumulateGrad, _STATE, edge, plain, requires_grad


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grads):
    res = []
    for i, out in enumerate(outputs):
        g = grads[i] if grads is not None and i < len(grads) else None
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._dtype.category != 2:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{out._dtype.name}")
            from .._creation import ones_like
            g = ones_like(plain(out))
        elif not isinstance(g, Tensor):
            from .._creation import full_like
            g = full_like(plain(out), g)
        elif g._shape != out._shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a "
                               f"shape of {out.shape}.")
        res.append(g)
    return res


def _check_outputs(outputs):
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"backward: expected Tensors, got {type(out).__name__}")
        if not requires_grad(out):
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _dependencies(roots):
    """Per node, the number of edges that reach it; every node reachable; each node's parents."""
    deps = {}
    parents = {}
    seen = set()
    stack = [n for n in roots if n is not None]
    seen.update(stack)
    while stack:
        n = stack.pop()
        for nxt, _ in n.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            parents.setdefault(nxt, []).append(n)
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps, seen, parents


def _needed(targets, parents):
    """Nodes from which a target is reachable: only those run when capturing."""
    needed = set(targets)
    stack = list(targets)
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in needed:
                needed.add(p)
                stack.append(p)
    return needed


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def run(root_edges, root_grads, retain_graph, create_graph, capture=None, accumulate=True, only=None):
    """Run the graph from ``root_edges`` with ``root_grads`` (Note [engine order]).

    ``capture`` maps an edge ``(node, nr)`` to a slot of the returned list: the gradient that
    reaches it is kept there (``grad``). ``accumulate`` runs the leaves' AccumulateGrad nodes;
    ``only`` (a set of AccumulateGrad nodes) restricts that to some leaves (``backward(inputs=)``).
    """
    roots = [e[0] for e in root_edges]
    deps, nodes, parents = _dependencies(roots)
    captured = [None] * (0 if capture is None else len(capture))
    needed = None
    if capture is not None or only is not None:
        targets = {e[0] for e in (capture or ())} | set(only or ())
        needed = _needed(targets & nodes, parents)
    buffers = {}
    for (node, nr), g in zip(root_edges, root_grads):
        if node is None:
            continue
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.n_outputs
        buf[nr] = _add(buf[nr], g)
    ready = []
    for node in set(roots):
        if node is not None and deps.get(node, 0) == 0:
            heapq.heappush(ready, (-node._seq, id(node), node))
    prev = _STATE[0]
    _STATE[0] = bool(create_graph)
    try:
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, None) or [None] * node.n_outputs
            outs = _run_node(node, grads, capture, captured, needed, accumulate, only, retain_graph)
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                g = outs[i] if outs is not None and i < len(outs) else None
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt.n_outputs
                    buf[nr] = _add(buf[nr], g)
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    heapq.heappush(ready, (-nxt._seq, id(nxt), nxt))
    finally:
        _STATE[0] = prev
    return captured


def _run_node(node, grads, capture, captured, needed, accumulate, only, retain_graph):
    if node._pre_hooks:
        for nr, hooks in node._pre_hooks.items():
            if grads[nr] is not None:
                for fn in list(hooks.values()):
                    r = fn(grads[nr])
                    if r is not None:
                        grads[nr] = r
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr] if _STATE[0] else plain(grads[nr])
                m = t._ag
                m.grad = g.clone() if m.grad is None else m.grad + g
    if capture is not None:
        for nr in range(len(grads)):
            slot = capture.get((node, nr))
            if slot is not None:
                g = grads[nr]
                if type(node) is AccumulateGrad and g is not None:
                    g = node.run_leaf_hooks(g)
                captured[slot] = _add(captured[slot], g)
    if needed is not None and node not in needed:
        return None
    if type(node) is AccumulateGrad:
        if not accumulate or (only is not None and node not in only):
            return None
    if all(g is None for g in grads):
        return None
    if node._node_pre_hooks:
        for fn in list(node._node_pre_hooks.values()):
            r = fn(tuple(grads))
            if r is not None:
                grads = list(r)
    if getattr(node, "materialize", True):
        for i, g in enumerate(grads):
            if g is None and i < len(node.out_meta) and node.out_meta[i] is not None:
                from .._creation import zeros
                shape, dtype = node.out_meta[i]
                # on the device of the node's other gradients (CUDA graphs stay on the device)
                dev = next((x.device for x in grads if x is not None), None)
                grads[i] = zeros(shape, dtype=dtype, device=dev)
    outs = node.apply(grads)
    if node._hooks:
        for fn in list(node._hooks.values()):
            r = fn(tuple(outs), tuple(grads))
            if r is not None:
                outs = list(r)
    if not retain_graph:
        node.release()
    return outs


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph leaves.

    >>> import tensorjit as tj
    >>> x = tj.tensor([1., 2.], requires_grad=True)
    >>> tj.autograd.backward((x ** 2).sum()); x.grad.tolist()
    [2.0, 4.0]
    """
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if grads is not None and len(grads) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs: got {len(grads)} gradients for "
                           f"{len(outputs)} tensors")
    _check_outputs(outputs)
    root_grads = _make_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    capture = None
    nonleaf = []
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        only = set()
        capture = {}
        for t in inputs:
            if not requires_grad(t):
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            e = edge(t)
            if t.is_leaf:
                only.add(e[0])
            else:
                capture[e] = len(nonleaf)
                nonleaf.append(t)
    captured = run([edge(t) for t in outputs], root_grads, retain_graph, create_graph, capture or None,
                   only=only)
    for t, g in zip(nonleaf, captured or ()):
        if g is not None:
            m = t._ag
            g = g if create_graph else plain(g)
            m.grad = g.clone() if m.grad is None else m.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple, one per input), without
    touching any ``.grad``.

    >>> import tensorjit as tj
    >>> x = tj.tensor([1., 2.], requires_grad=True)
    >>> tj.autograd.grad((x ** 3).sum(), x)[0].tolist()
    [3.0, 12.0]
    """
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True is not implemented")
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs)
    _check_outputs(outs)
    root_grads = _make_grads(outs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    capture = {}
    slots = []
    for t in ins:
        if not isinstance(t, Tensor) or not requires_grad(t):
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        e = edge(t)
        if e not in capture:
            capture[e] = len(capture)
        slots.append(capture[e])
    captured = run([edge(t) for t in outs], root_grads, retain_graph, create_graph, capture, accumulate=False)
    res = []
    for t, s in zip(ins, slots):
        g = captured[s]
        if g is None:
            if materialize_grads:
                from .._creation import zeros_like
                g = zeros_like(plain(t))
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            g = plain(g)
        res.append(g)
    return tuple(res)
