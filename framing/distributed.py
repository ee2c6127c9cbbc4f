"""`--scheduler ADDRESS` / `--dask-local N`: classify chunks on a dask.distributed cluster, results in order.

The model travels once, as its file bytes (never pickled objects): it is scattered to every
worker, and each worker process rebuilds it the first time and keeps it, keyed by the bytes'
digest. Chunks are submitted with at most ``in_flight`` outstanding and collected in input
order, so the output is identical to a local run and memory stays bounded. Needs the optional
extra: ``pip install 'framing[dask]'``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import ClusterError

if TYPE_CHECKING:
    from .model import FramingModel
    from .outputs import EncodedBatch
    from .stream import Work

#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT = 10


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "--scheduler and --dask-local need Dask; install it with: pip install 'framing[dask]'"
        ) from None
    return distributed


# Per worker process: the models it has rebuilt, by digest of their bytes.
_MODELS: dict[str, FramingModel] = {}


def _worker_model(data: bytes, digest: str) -> FramingModel:
    from .model import FramingModel

    if digest not in _MODELS:
        _MODELS.clear()  # one model at a time is enough
        _MODELS[digest] = FramingModel.from_bytes(data, "model")
    return _MODELS[digest]


def run_chunk(data: bytes, digest: str, chunk: Work, kind: str, min_confidence: float) -> EncodedBatch:
    """The task a Dask worker runs: classify and encode one chunk with the model in ``data``."""
    from .parallel import tune_allocator
    from .stream import classify_chunk

    tune_allocator()
    return classify_chunk(chunk, kind, min_confidence, model=_worker_model(data, digest))


@contextlib.contextmanager
def connect(scheduler: str | None, local_workers: int | None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``, or for a new local cluster of ``local_workers`` processes."""
    distributed = _import_distributed()
    with contextlib.ExitStack() as stack:
        if local_workers:
            # Loopback only, one thread per process (the work holds the GIL).
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=local_workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=":0",  # any free port: never clash with a running cluster
                )
            )
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = stack.enter_context(distributed.Client(scheduler, timeout=CONNECT_TIMEOUT))
            except (OSError, TimeoutError) as exc:
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the address, "
                    "or use --dask-local N for a cluster on this machine"
                ) from None
        yield client


def dask_map(
    chunks: Iterable[Work],
    model_bytes: bytes,
    *,
    kind: str,
    min_confidence: float,
    scheduler: str | None,
    local_workers: int | None,
    in_flight: int,
) -> Iterator[EncodedBatch]:
    """Encoded results of ``chunks``, in order, computed on the cluster."""
    from . import defaults
    from .parallel import ordered_results
    from .stream import model_digest

    with connect(scheduler, local_workers) as client:
        # Keep every thread of the cluster busy, however large it is.
        threads = sum(client.nthreads().values())
        in_flight = max(in_flight, defaults.CHUNKS_PER_WORKER * threads)
        model = client.scatter(model_bytes, broadcast=True, hash=True)
        digest = model_digest(model_bytes)
        yield from ordered_results(
            chunks,
            lambda chunk: client.submit(run_chunk, model, digest, chunk, kind, min_confidence, pure=False),
            in_flight,
        )
