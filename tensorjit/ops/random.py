"""Random sampling: Generator, manual_seed, rand, randn, randint, normal, ... on a counter-based generator."""
from __future__ import annotations

__all__ = []

METHODS = {}
