"""The optional compiled parts of framing: used when they were built and not switched off.

``pip install`` compiles them when a C compiler is there (they are optional extensions in
setup.py); without them, or with ``FRAMING_NATIVE=0``, the numpy and Python code that
computes the same results byte for byte runs instead.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

#: Set to 0 to run the pure Python/numpy code even when the compiled modules are built.
NATIVE_ENV = "FRAMING_NATIVE"


def native_module(name: str) -> ModuleType | None:
    """``framing.<name>`` when it was compiled and ``FRAMING_NATIVE`` is not 0, else ``None``."""
    if os.environ.get(NATIVE_ENV, "1") == "0":
        return None
    try:
        return importlib.import_module(f"framing.{name}")
    except ImportError:
        return None
