"""CI must build the compiled kernels: there, one that failed to compile is a failure, never a skip.

This module is never skipped as a whole (test_kernel.py is, where the kernel is missing), so the
check below runs wherever FRAMING_REQUIRE_NATIVE=1 is set, as `.ci/run` does.
"""

from __future__ import annotations

import os

import pytest

from framing.native import native_module

REQUIRED = os.environ.get("FRAMING_REQUIRE_NATIVE") == "1"


@pytest.mark.skipif(not REQUIRED, reason="only CI (FRAMING_REQUIRE_NATIVE=1) requires the compiled kernels")
@pytest.mark.parametrize("name", ["_kernel", "_records"])
def test_ci_builds_the_compiled_kernels(name: str) -> None:
    assert native_module(name) is not None, f"framing.{name} was not compiled; check the C compiler and setup.py"
