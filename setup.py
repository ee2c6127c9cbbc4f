"""The compiled kernels, declared here because pyproject.toml's ext-modules table is still experimental.

Everything else about the package is in pyproject.toml. Both extensions are optional: without a C
compiler the install succeeds and framing runs its numpy/Python code (framing/native.py). No fused
multiply-add, so that results stay bit for bit those of that code.
"""

from setuptools import Extension, setup

FLAGS = ["-O3", "-ffp-contract=off"]

setup(
    ext_modules=[
        # Each sentence's TF-IDF row and scores (framing/features.py).
        Extension("framing._kernel", ["framing/_kernel.c"], extra_compile_args=FLAGS, optional=True),
        # The JSONL sentence records of framing/outputs.py, the same bytes as its Python code.
        Extension("framing._records", ["framing/_records.c"], extra_compile_args=FLAGS, optional=True),
    ]
)
