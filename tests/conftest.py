"""Shared pytest configuration.

Hypothesis explores fresh random examples on every local run; ``.ci/run`` selects the ``ci``
profile (``TENSORJIT_HYPOTHESIS_PROFILE=ci``), which derandomises the search so that a
submission is judged on the same examples it was tested with locally under that profile.
"""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("TENSORJIT_HYPOTHESIS_PROFILE", "default"))
