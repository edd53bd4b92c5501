"""Segmented difference and cumulative-sum kernels over flat ragged arrays, and how kernels run.

Two backends give bit-identical results: numba loops (one pass per sequence) and pure numpy (the
difference is one slice; the cumulative sum pads sequences of similar length into buckets and
scans each bucket along its rows). Both add strictly left to right inside each sequence, in
float64 or checked int64, so a sequence of values around 1e-3 next to one around 1e6 keeps its
own precision: there is no global prefix sum. The tests check that both backends agree bit for
bit; ``STROKEDELTA_BACKEND=numpy`` (or ``backend="numpy"``) forces the reference.

**Compilation.** A kernel is a serial numba function with a fixed list of signatures, one per
dtype it is called with (inputs typed read-only, so a read-only and a writable array share one
compiled version). :class:`Kernel` compiles a signature on its first call and numba's on-disk
cache (``cache=True``) serves it in every later process: one cache entry per signature, whatever
the caller passes, and nothing compiles at import or for a dtype a command does not use
(numba itself is imported when the first kernel compiles). While a
kernel is not loaded yet, inputs below :data:`SMALL` elements go to the numpy reference (until
such calls add up to :data:`SMALL_WORK`), so a short command on a few hundred points never pays
numba's start-up. Where the package folder cannot be
written (a read-only install), numba's cache goes to a user cache folder (:func:`cache_folder`).

**Threads.** A call above :data:`PARALLEL_MIN` elements is cut into chunks of whole sequences of
about :data:`CHUNK` elements (:func:`chunk_bounds`); the calling thread and helper threads started
for the call take chunks one at a time from a shared counter (:func:`run_chunks`), so a thread the
OS gives less CPU (other jobs on the machine) does fewer chunks instead of holding the others up at
a barrier, and no thread spins while it waits. How many threads: :func:`threads_for`, from the
size of the work, the CPUs (:func:`thread_budget`) and the tasks runnable on the machine at the
call (:func:`running_tasks`). The kernels release the GIL (``nogil``), and none is a
``parallel=True`` numba kernel, so any number of threads may call them at once.

**Memory.** At 10M points a difference is bound by memory, not by arithmetic: of numpy's
``np.diff`` time about half is the OS zeroing the fresh 160 MB output on first touch (in 2 MB
pages: numpy asks for transparent huge pages, without which it costs about 6 times more), the
same for every kernel here, whose outputs are first touched by the thread that computes them
(``scripts/bench_threads.py`` prints both costs).

Examples
--------
>>> import numpy as np
>>> x = np.array([[1.0], [4.0], [9.0], [2.0], [5.0]])
>>> offsets = np.array([0, 3, 5])
>>> segmented_diff(x, offsets, 1, backend="numpy").ravel().tolist()
[1.0, 3.0, 5.0, 2.0, 3.0]
>>> segmented_cumsum(segmented_diff(x, offsets, 1), offsets, 1).ravel().tolist()
[1.0, 4.0, 9.0, 2.0, 5.0]
"""

from __future__ import annotations

import inspect
import os
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from strokedelta.exceptions import DeltaOverflowError

__all__ = [
    "BACKENDS",
    "BUSY_SHARE",
    "CALL_COST",
    "CHUNK",
    "LOAD_TTL",
    "PARALLEL_MIN",
    "SMALL",
    "SMALL_WORK",
    "Kernel",
    "array_type",
    "cache_folder",
    "chunk_bounds",
    "default_backend",
    "gather_rows",
    "jit_kernel",
    "overflow_error",
    "prefetch",
    "run_chunks",
    "running_tasks",
    "segmented_cumsum",
    "segmented_diff",
    "stable_group_order",
    "thread_budget",
    "threads_for",
]

BACKENDS = ("numba", "numpy")
"""The kernel backends: numba and numpy (the reference implementation)."""
#: Below this many elements, a kernel that is not loaded yet leaves the work to numpy...
SMALL = 1 << 16
#: ... until the elements of those calls, each counted :data:`CALL_COST` more, add up to this.
SMALL_WORK = 1 << 26
#: numpy's overhead per call, in elements (about 10 microseconds).
CALL_COST = 2000
#: From this many elements on, a call may run in several threads.
PARALLEL_MIN = 1 << 19
#: On a busy machine, the fewest elements for each thread that has to wait for a CPU.
BUSY_SHARE = 1 << 22
#: Elements per chunk of a threaded call (whole sequences, so about this many).
CHUNK = 1 << 18
_FLOAT_KEYS = {np.dtype(np.float32): "f4", np.dtype(np.float64): "f8"}


# ------------------------------------------------------------------------- numba's cache
def _private_folder(folder: str) -> bool:
    """Create ``folder`` (mode 700) and check that only this user may write to it: numba's cache
    files are pickles, so a folder another user can write to would run their code."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    shared = bool(info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))
    return mine and not shared and os.access(folder, os.W_OK)


def cache_folder() -> str | None:
    """The folder for numba's cache, or None to keep numba's default (``__pycache__`` next to the
    sources).

    None when ``$NUMBA_CACHE_DIR`` is set (the user's choice) or the package folder is writable;
    otherwise ``$XDG_CACHE_HOME/strokedelta/numba`` (``~/.cache/strokedelta/numba``), or a private
    folder in the temporary directory when that cannot be created. Without one, numba cannot cache
    at all and would refuse to compile the ``cache=True`` kernels.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    package = os.path.dirname(os.path.abspath(__file__))
    pycache = os.path.join(package, "__pycache__")
    if os.access(pycache if os.path.isdir(pycache) else package, os.W_OK):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    user = getattr(os, "getuid", lambda: "user")()
    for folder in (
        os.path.join(base, "strokedelta", "numba"),
        os.path.join(tempfile.gettempdir(), f"strokedelta-numba-{user}"),
    ):
        if _private_folder(folder):
            return folder
    return None


_CACHE = cache_folder()
if _CACHE is not None:  # before numba reads its configuration (and after, if it already has)
    os.environ["NUMBA_CACHE_DIR"] = _CACHE


def _numba() -> Any:
    """numba, imported when the first kernel compiles (a command on small inputs, all left to
    numpy, never pays for importing it), with :data:`prefetch` defined."""
    import numba  # here: a required dependency, but slow to import

    if _CACHE is not None:
        numba.config.CACHE_DIR = _CACHE  # type: ignore[attr-defined]
    if "prefetch" not in globals():
        globals()["prefetch"] = _make_prefetch()
    return numba


if TYPE_CHECKING:

    def prefetch(array: Any, row: Any) -> None:
        """The numba intrinsic of :func:`_prefetch`, made by :func:`_numba` (on first use)."""


def __getattr__(name: str) -> Any:
    """``prefetch`` is created with numba, on first use."""
    if name == "prefetch":
        _numba()
        return globals()["prefetch"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------- running kernels
def array_type(dtype: Any, ndim: int = 1, *, readonly: bool = False) -> Any:
    """The numba type of a C-contiguous array (``readonly`` for inputs: both kinds match it)."""
    numba = _numba()
    return numba.types.Array(numba.from_dtype(np.dtype(dtype)), ndim, "C", readonly=readonly)


class Kernel:
    """A serial numba function compiled on first use, once per named signature, from the cache.

    ``kernel[key]`` is the compiled function of signature ``signatures[key]`` (a dtype name,
    usually); ``kernel.loaded(key)`` says whether that signature is compiled in this process.
    Each signature has its own dispatcher that accepts only it, so a call never compiles (and
    never caches) anything else.
    """

    def __init__(
        self, func: Callable[..., Any], signatures: dict[str, Any], **options: Any
    ) -> None:
        self.func = func
        self.signatures = signatures
        self.options = options
        self.__doc__ = func.__doc__
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._small_work = 0

    def loaded(self, key: str) -> bool:
        return key in self._compiled

    def wanted(self, key: str, n_elements: int) -> bool:
        """Whether a call on ``n_elements`` should use the kernel rather than numpy: when it is
        loaded, when the input has :data:`SMALL` elements or more, or once the small calls left
        to numpy add up to :data:`SMALL_WORK` (a loop over many small inputs: loading the kernel
        then costs less than numpy's overhead on the calls to come)."""
        if key in self._compiled or n_elements >= SMALL:
            return True
        self._small_work += n_elements + CALL_COST
        return self._small_work > SMALL_WORK

    def __getitem__(self, key: str) -> Any:
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    signature = self.signatures[key]
                    if inspect.isfunction(signature):  # built on first use: it needs numba
                        signature = signature()
                    compiled = _numba().njit(signature, cache=True, nogil=True, **self.options)(
                        self.func
                    )
                    self._compiled[key] = compiled
        return compiled


def jit_kernel(
    *, error_model: str = "python", **signatures: Any
) -> Callable[[Callable[..., Any]], Kernel]:
    """Decorate a numba kernel with its signatures by name: ``@jit_kernel(f8=..., f4=...)``
    (``error_model="numpy"``: float division by zero gives inf or nan instead of raising). A
    signature may be a function that builds it (``f8=lambda: ...``), called when that signature
    first compiles, so that importing the kernel's module does not import numba."""

    def decorate(func: Callable[..., Any]) -> Kernel:
        return Kernel(func, signatures, error_model=error_model)

    return decorate


def _threads_asked() -> int:
    """``$STROKEDELTA_THREADS`` when it is a positive integer, else 0."""
    wanted = os.environ.get("STROKEDELTA_THREADS", "")
    return int(wanted) if wanted.isdigit() and int(wanted) > 0 else 0


def thread_budget() -> int:
    """The CPUs one large kernel call may use: ``$STROKEDELTA_THREADS`` when it is a positive
    integer, else the CPUs this process may run on (``os.sched_getaffinity``, which follows
    ``taskset`` and container CPU sets)."""
    asked = _threads_asked()
    if asked:
        return asked
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - not Linux


#: How long one reading of the machine's run queue serves (seconds).
LOAD_TTL = 0.05
_RUN_QUEUE = [float("-inf"), 1.0]  # when it was read (time.monotonic()), runnable tasks then
_LOADAVG_PATH = "/proc/loadavg"
_LOADAVG: list[int] = []  # its file descriptor, kept open: a pread costs far less than an open


def running_tasks() -> int:
    """Tasks runnable on the machine now, the calling thread included: the fourth field of
    ``/proc/loadavg`` (``running/total``), read at most once per :data:`LOAD_TTL` through a
    descriptor kept open; 1 where it cannot be read (not Linux)."""
    now = time.monotonic()
    if now - _RUN_QUEUE[0] >= LOAD_TTL:
        try:
            if not _LOADAVG:
                _LOADAVG.append(os.open(_LOADAVG_PATH, os.O_RDONLY))
            text = os.pread(_LOADAVG[0], 128, 0)
            running = int(text.split()[3].split(b"/")[0])
        except (OSError, ValueError, IndexError, AttributeError):  # no pread: not POSIX
            running = 1
        _RUN_QUEUE[:] = [now, float(max(1, running))]
    return int(_RUN_QUEUE[1])


def threads_for(n_elements: int, *, cpus: int | None = None, running: int | None = None) -> int:
    """Threads for a kernel call on ``n_elements``: a pure function of the work's size, the
    CPUs (``cpus``, default :func:`thread_budget`) and the tasks runnable on the machine
    (``running``, this thread included, default :func:`running_tasks`).

    * Below :data:`PARALLEL_MIN` elements one thread, and never more than one per
      :data:`PARALLEL_MIN` / 2 elements (so that starting a thread stays cheap against its work).
    * On the CPUs no other runnable task wants (all of them on a quiet machine): one thread each.
    * When other tasks keep CPUs busy, a thread beyond the idle CPUs waits for one, about a
      scheduler slice, and a call waits for its slowest thread: such threads are used only
      when each gets :data:`BUSY_SHARE` elements or more. Then: one thread per CPU plus one per
      busy CPU, up to twice the CPUs, since the scheduler shares a busy CPU out per thread
      (``k`` threads next to ``b`` busy tasks get ``k / (k + b)`` of the CPUs, one thread
      ``1 / (1 + b)``). ``scripts/bench_threads.py`` measures this against one thread per CPU.
    * ``$STROKEDELTA_THREADS`` fixes the count (within the size limit) whatever the load.

    Examples
    --------
    >>> threads_for(10_000, cpus=8, running=1)
    1
    >>> threads_for(20_000_000, cpus=2, running=1), threads_for(20_000_000, cpus=2, running=5)
    (2, 4)
    >>> threads_for(2_000_000, cpus=2, running=1), threads_for(2_000_000, cpus=2, running=5)
    (2, 1)
    """
    if n_elements < PARALLEL_MIN:
        return 1
    by_size = max(1, 2 * n_elements // PARALLEL_MIN)
    if cpus is None:
        cpus = thread_budget()
        if _threads_asked():
            return max(1, min(cpus, by_size))
    if running is None:
        running = running_tasks()
    others = min(max(running - 1, 0), cpus)
    idle = max(1, cpus - others)  # CPUs free for this call's threads, the caller's included
    shared = min(cpus + others, n_elements // BUSY_SHARE)
    return max(1, min(max(idle, shared), by_size))


def chunk_bounds(offsets: np.ndarray, width: int, threads: int) -> np.ndarray:
    """Sequence numbers that cut a batch into chunks of about :data:`CHUNK` elements (one chunk
    when ``threads`` is 1); a sequence is never split.

    Examples
    --------
    >>> chunk_bounds(np.array([0, 3, 5]), 1, 1).tolist()
    [0, 2]
    """
    n_seq = len(offsets) - 1
    n_chunks = int(offsets[-1]) * width // CHUNK if threads > 1 else 1
    if n_chunks <= 1:
        return np.array([0, n_seq], dtype=np.int64)
    targets = np.linspace(0, int(offsets[-1]), max(n_chunks, threads) + 1)[1:-1]
    inner = np.minimum(np.searchsorted(offsets, targets), n_seq)
    return np.unique(np.concatenate([[0], inner, [n_seq]]).astype(np.int64))


def run_chunks(
    run: Callable[[int, int], None], bounds: Sequence[int] | np.ndarray, threads: int
) -> None:
    """Call ``run(bounds[c], bounds[c + 1])`` for every chunk ``c``, on up to ``threads`` threads.

    The calling thread works too; helper threads start for this call and end with it. Each
    thread takes the next chunk from a shared counter until none is left, so the chunks are
    shared out by how fast each thread really runs. The first error of a helper is raised here.

    Examples
    --------
    >>> seen = []
    >>> run_chunks(lambda a, b: seen.append((a, b)), [0, 2, 5, 9], threads=2)
    >>> sorted(seen)
    [(0, 2), (2, 5), (5, 9)]
    """
    n_chunks = len(bounds) - 1
    if threads <= 1 or n_chunks <= 1:
        if n_chunks >= 1:
            run(int(bounds[0]), int(bounds[-1]))
        return
    lock = threading.Lock()
    state = {"next": 0}
    errors: list[BaseException] = []

    def work() -> None:
        while not errors:
            with lock:
                c = state["next"]
                state["next"] = c + 1
            if c >= n_chunks:
                return
            run(int(bounds[c]), int(bounds[c + 1]))

    def helper() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the calling thread
            errors.append(exc)

    helpers = [threading.Thread(target=helper, daemon=True) for _ in range(threads - 1)]
    for thread in helpers:
        thread.start()
    try:
        work()
    finally:
        for thread in helpers:
            thread.join()
    if errors:
        raise errors[0]


def _parallel(
    call: Callable[[int, int], None], offsets: np.ndarray, width: int, n_elements: int
) -> None:
    """Run ``call(first_sequence, stop_sequence)`` over all sequences, threaded when large."""
    threads = threads_for(n_elements)
    run_chunks(call, chunk_bounds(offsets, width, threads), threads)


def default_backend() -> str:
    """The backend used when none is given: ``$STROKEDELTA_BACKEND`` if it names one, else
    ``"auto"`` (numba, or numpy for a small input while the kernel is not loaded yet)."""
    wanted = os.environ.get("STROKEDELTA_BACKEND", "")
    return wanted if wanted in BACKENDS else "auto"


def _choose(backend: str | None, kernel: Kernel, key: str, n_elements: int) -> str:
    chosen = backend or default_backend()
    if chosen != "auto":
        return chosen
    return "numba" if kernel.wanted(key, n_elements) else "numpy"


def overflow_error(where: str) -> DeltaOverflowError:
    """The error for an int64 difference or running sum that would wrap."""
    return DeltaOverflowError(
        f"integer {where} overflows int64; convert the data to float64 to proceed"
    )


# ------------------------------------------------------------------------ random access
def _make_prefetch() -> Any:
    """``prefetch(array, row)``, a numba intrinsic (see :func:`_prefetch`)."""
    from numba.extending import intrinsic  # here: numba is imported on first use

    return intrinsic(_prefetch)


def _prefetch(typingctx: Any, array: Any, row: Any) -> Any:  # pragma: no cover - compiled
    """Ask the CPU to start loading row ``row`` of a C-contiguous ``array`` into its caches
    (``llvm.prefetch``): a loop that reads rows in random order prefetches the row it will read
    some iterations later, so the memory latencies overlap instead of adding up. Kernels call it
    as ``prefetch`` (``from strokedelta._kernels import prefetch``)."""
    import numba  # here: called by numba, which is imported by then
    from llvmlite import ir  # numba's code generator
    from numba.core import cgutils

    signature = numba.void(array, row)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        array_ty = sig.args[0]
        view = context.make_array(array_ty)(context, builder, args[0])
        zero = context.get_constant(numba.intp, 0)
        at = [args[1]] + [zero] * (array_ty.ndim - 1)
        pointer = cgutils.get_item_pointer(context, builder, array_ty, view, at, wraparound=False)
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0i8",
        )
        # read, keep in all cache levels, data cache
        builder.call(function, [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return signature, codegen


#: How many rows ahead a random-order loop prefetches.
PREFETCH_AHEAD = 16


def _gather_signature(dtype: Any) -> Any:
    numba = _numba()
    return numba.void(
        array_type(dtype, 2, readonly=True),
        array_type(np.int64, readonly=True),
        array_type(dtype, 2),
        numba.int64,
        numba.int64,
    )


@jit_kernel(f4=lambda: _gather_signature(np.float32), f8=lambda: _gather_signature(np.float64))
def _gather(source, index, out, r0, r1):  # pragma: no cover - compiled
    n = index.shape[0]
    width = source.shape[1]
    for i in range(r0, r1):
        if i + PREFETCH_AHEAD < n:
            prefetch(source, index[i + PREFETCH_AHEAD])
        row = index[i]
        for j in range(width):
            out[i, j] = source[row, j]


def gather_rows(source: np.ndarray, index: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[:] = source[index]`` for C-contiguous float32 or float64 rows (``index`` int64 and
    within bounds): the same copy as ``np.take``, with prefetching, threaded when large.

    Examples
    --------
    >>> gather_rows(np.arange(6.0).reshape(3, 2), np.array([2, 0]), np.empty((2, 2))).tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    key = _FLOAT_KEYS[source.dtype]
    if not _gather.wanted(key, out.size):  # small: numpy's copy, no compilation
        np.take(source, index, axis=0, out=out)
        return out
    kernel = _gather[key]
    threads = threads_for(out.size)
    n_chunks = max(1, out.size // CHUNK) if threads > 1 else 1
    bounds = np.linspace(0, len(index), n_chunks + 1).astype(np.int64)
    run_chunks(lambda r0, r1: kernel(source, index, out, r0, r1), bounds, threads)
    return out


# --------------------------------------------------------------------------- numba kernels
# The kernels see C-contiguous (N, C) data as flat 1-D arrays: row i, column c is element
# i * C + c, so a lag of ``lag`` rows is a stride of ``step = lag * C`` elements. They run over
# sequences s0 .. s1 - 1; the difference loops over slices from 0 so that numba vectorises them.
# Signatures are built when a kernel first compiles (numba is imported then).
def _int_signature() -> Any:
    """The signature of ``_diff_int64`` / ``_cumsum_int64``."""
    numba = _numba()
    i8, offsets = numba.int64, array_type(np.int64, readonly=True)
    ints, bools = array_type(np.int64), array_type(np.bool_)
    return numba.void(array_type(np.int64, readonly=True), offsets, i8, i8, ints, bools, i8, i8)


def _diff_signature(dtype: Any) -> Any:
    numba = _numba()
    i8, offsets = numba.int64, array_type(np.int64, readonly=True)
    return numba.void(array_type(dtype, readonly=True), offsets, i8, i8, array_type(dtype), i8, i8)


#: Elements a float difference computes in one flat loop before it restores the heads there.
DIFF_BLOCK = 1 << 13


# The float difference takes whole sequences together in blocks of about DIFF_BLOCK elements
# (64 KiB of float64, still in cache when its heads are rewritten): one long vectorised loop
# ``out[j] = x[j] - x[j - step]`` over the block, which also subtracts across sequence
# boundaries, then the first ``step`` elements of every sequence in it are copied over those.
# The same subtraction of the same two numbers as a loop per sequence, at np.subtract's speed
# instead of paying a loop start and tail per sequence of ~100 points.
@jit_kernel(f4=lambda: _diff_signature(np.float32), f8=lambda: _diff_signature(np.float64))
def _diff_float(x, offsets, width, step, out, s0, s1):  # pragma: no cover - compiled
    s = s0
    while s < s1:
        lo = offsets[s] * width
        t = s + 1
        while t < s1 and offsets[t] * width - lo < DIFF_BLOCK:
            t += 1
        hi = offsets[t] * width
        first = max(lo, step)  # below ``step`` every element is a head
        if hi > first:
            now, before, into = x[first:hi], x[first - step : hi - step], out[first:hi]
            for k in range(hi - first):
                into[k] = now[k] - before[k]
        for q in range(s, t):
            start = offsets[q] * width
            head = min(start + step, offsets[q + 1] * width)
            for j in range(start, head):
                out[j] = x[j]
        s = t


@jit_kernel(i8=_int_signature)
def _diff_int64(x, offsets, width, step, out, bad, s0, s1):  # pragma: no cover - compiled
    for s in range(s0, s1):
        start = offsets[s] * width
        stop = offsets[s + 1] * width
        head = min(start + step, stop)
        for j in range(start, head):
            out[j] = x[j]
        if stop > head:
            now, before, into = x[head:stop], x[head - step : stop - step], out[head:stop]
            wrapped = 0
            for k in range(stop - head):
                a = now[k]
                b = before[k]
                r = a - b
                wrapped |= (a ^ b) & (a ^ r)
                into[k] = r
            if wrapped < 0:
                bad[s] = True


def _cumsum_signature(dtype: Any) -> Any:
    numba = _numba()
    i8, offsets = numba.int64, array_type(np.int64, readonly=True)
    return numba.void(
        array_type(dtype, readonly=True), offsets, i8, i8, array_type(np.float64), i8, i8
    )


# The running sums keep one accumulator per column in a register when the stride is one or two
# elements (a series, or (x, y) points at lag 1): the same additions in the same order as
# ``out[j] = out[j - step] + d[j]``, without waiting for the store of ``out[j - step]``.
@jit_kernel(f4=lambda: _cumsum_signature(np.float32), f8=lambda: _cumsum_signature(np.float64))
def _cumsum_float(d, offsets, width, step, out, s0, s1):  # pragma: no cover - compiled
    for s in range(s0, s1):
        start = offsets[s] * width
        n = offsets[s + 1] * width - start
        if n == 0:
            continue
        seg, into = d[start : start + n], out[start : start + n]
        if step == 1:
            acc = np.float64(seg[0])
            into[0] = acc
            for k in range(1, n):
                acc = acc + seg[k]
                into[k] = acc
        elif step == 2 and n % 2 == 0:
            acc0 = np.float64(seg[0])
            acc1 = np.float64(seg[1])
            into[0] = acc0
            into[1] = acc1
            for k in range(2, n, 2):
                acc0 = acc0 + seg[k]
                acc1 = acc1 + seg[k + 1]
                into[k] = acc0
                into[k + 1] = acc1
        else:
            head = min(step, n)
            for k in range(head):
                into[k] = seg[k]
            for k in range(head, n):
                into[k] = into[k - step] + seg[k]


@jit_kernel(i8=_int_signature)
def _cumsum_int64(d, offsets, width, step, out, bad, s0, s1):  # pragma: no cover - compiled
    for s in range(s0, s1):
        start = offsets[s] * width
        n = offsets[s + 1] * width - start
        if n == 0:
            continue
        seg, into = d[start : start + n], out[start : start + n]
        wrapped = 0
        if step == 1:
            acc = seg[0]
            into[0] = acc
            for k in range(1, n):
                b = seg[k]
                r = acc + b
                wrapped |= (acc ^ r) & (b ^ r)
                acc = r
                into[k] = r
        elif step == 2 and n % 2 == 0:
            acc0 = seg[0]
            acc1 = seg[1]
            into[0] = acc0
            into[1] = acc1
            for k in range(2, n, 2):
                b0 = seg[k]
                b1 = seg[k + 1]
                r0 = acc0 + b0
                r1 = acc1 + b1
                wrapped |= ((acc0 ^ r0) & (b0 ^ r0)) | ((acc1 ^ r1) & (b1 ^ r1))
                acc0 = r0
                acc1 = r1
                into[k] = r0
                into[k + 1] = r1
        else:
            head = min(step, n)
            for k in range(head):
                into[k] = seg[k]
            for k in range(head, n):
                a = into[k - step]
                b = seg[k]
                r = a + b
                wrapped |= (a ^ r) & (b ^ r)
                into[k] = r
        if wrapped < 0:
            bad[s] = True


@jit_kernel(
    i8=lambda: array_type(np.int64)(
        array_type(np.int64, readonly=True), array_type(np.int64, readonly=True)
    )
)
def _counting_order(codes, offsets):  # pragma: no cover - compiled
    cursor = offsets[:-1].copy()
    order = np.empty(codes.shape[0], dtype=np.int64)
    for i in range(codes.shape[0]):
        c = codes[i]
        order[cursor[c]] = i
        cursor[c] += 1
    return order


# --------------------------------------------------------------------------- numpy kernels
def _heads(offsets: np.ndarray, lag: int) -> np.ndarray:
    """Flat indices of the first ``lag`` rows of every sequence (those that exist)."""
    starts = offsets[:-1]
    idx = (starts[:, None] + np.arange(lag)).ravel()
    return idx[idx < np.repeat(offsets[1:], lag)]


def _diff_numpy(x: np.ndarray, offsets: np.ndarray, lag: int, out: np.ndarray) -> bool:
    np.subtract(x[lag:], x[:-lag], out=out[lag:])
    heads = _heads(offsets, lag)
    out[heads] = x[heads]
    if out.dtype == np.int64:
        a, b, r = x[lag:], x[:-lag], out[lag:]
        wrapped = ((a ^ b) & (a ^ r)) < 0
        wrapped[heads[heads >= lag] - lag] = False
        return bool(wrapped.any())
    return False


def _cumsum_numpy(d: np.ndarray, offsets: np.ndarray, lag: int, out: np.ndarray) -> bool:
    """Scan buckets of sequences padded to the next multiple of ``lag`` x power of two."""
    lengths = np.diff(offsets)
    nonempty = np.flatnonzero(lengths)
    if nonempty.size == 0:
        return False
    steps = -(-lengths[nonempty] // lag)  # rows per lag-chain, rounded up
    bucket = np.ceil(np.log2(steps)).astype(np.int64)
    wrapped = False
    for b in np.unique(bucket):
        seqs = nonempty[bucket == b]
        width = int(2**b) * lag
        pos = np.arange(width)
        valid = pos < lengths[seqs, None]
        rows = np.where(valid, offsets[seqs, None] + pos, 0)
        block = np.where(valid[..., None], d[rows], 0).astype(out.dtype, copy=False)
        block = block.reshape(len(seqs), width // lag, lag, -1)
        scanned = np.cumsum(block, axis=1)
        if out.dtype == np.int64:
            prev = scanned[:, :-1]
            here, add = scanned[:, 1:], block[:, 1:]
            wrapped |= bool((((prev ^ here) & (add ^ here)) < 0).any())
        out[rows[valid]] = scanned.reshape(len(seqs), width, -1)[valid]
    return wrapped


# ------------------------------------------------------------------------------ dispatch


def stable_group_order(
    codes: np.ndarray, offsets: np.ndarray, *, backend: str | None = None
) -> np.ndarray:
    """Row order that lays groups out contiguously, keeping row order inside each group.

    ``codes`` are group numbers ``0..G-1`` and ``offsets`` the group starts from their counts;
    the result equals ``np.argsort(codes, kind="stable")`` (numba does it as a counting sort).
    """
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    if _choose(backend, _counting_order, "i8", codes.shape[0]) == "numba":
        return _counting_order["i8"](codes, np.ascontiguousarray(offsets, dtype=np.int64))
    return np.argsort(codes, kind="stable")


def segmented_diff(
    x: np.ndarray, offsets: np.ndarray, lag: int, *, backend: str | None = None
) -> np.ndarray:
    """Lag-``lag`` differences of a 2-D array within each sequence, first ``lag`` rows kept.

    ``x`` must be float32, float64 or int64; the result is C-contiguous with the same dtype.
    int64 differences that wrap raise :class:`~strokedelta.exceptions.DeltaOverflowError`.
    """
    x = np.ascontiguousarray(x)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    out = np.empty_like(x)
    if x.shape[0] == 0:
        return out
    is_int = x.dtype == np.int64
    key = "i8" if is_int else _FLOAT_KEYS.get(x.dtype, "")
    kernel = _diff_int64 if is_int else _diff_float
    if key and _choose(backend, kernel, key, x.size) == "numba":
        width, flat_x, flat_out = x.shape[1], x.reshape(-1), out.reshape(-1)
        step = lag * width
        bad = np.zeros(len(offsets) - 1, dtype=np.bool_)
        compiled = kernel[key]
        if is_int:
            _parallel(
                lambda s0, s1: compiled(flat_x, offsets, width, step, flat_out, bad, s0, s1),
                offsets,
                width,
                x.size,
            )
        else:
            _parallel(
                lambda s0, s1: compiled(flat_x, offsets, width, step, flat_out, s0, s1),
                offsets,
                width,
                x.size,
            )
        wrapped = bool(bad.any())
    else:
        wrapped = _diff_numpy(x, offsets, lag, out)
    if wrapped:
        raise overflow_error("difference")
    return out


def segmented_cumsum(
    d: np.ndarray, offsets: np.ndarray, lag: int, *, backend: str | None = None
) -> np.ndarray:
    """Inverse of :func:`segmented_diff`: running sums with stride ``lag`` inside each sequence.

    Floats accumulate in float64 (the result is float64); integers in int64, and additions
    that wrap raise :class:`~strokedelta.exceptions.DeltaOverflowError`.
    """
    is_int = d.dtype.kind != "f"
    work = np.int64 if is_int else np.float64
    if is_int or d.dtype not in _FLOAT_KEYS:
        d = np.ascontiguousarray(d, dtype=work)  # exact widening
    d = np.ascontiguousarray(d)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    out = np.empty(d.shape, dtype=work)
    if d.shape[0] == 0:
        return out
    key = "i8" if is_int else _FLOAT_KEYS[d.dtype]
    kernel = _cumsum_int64 if is_int else _cumsum_float
    if _choose(backend, kernel, key, d.size) == "numba":
        width, flat_d, flat_out = d.shape[1], d.reshape(-1), out.reshape(-1)
        step = lag * width
        bad = np.zeros(len(offsets) - 1, dtype=np.bool_)
        compiled = kernel[key]
        if is_int:
            _parallel(
                lambda s0, s1: compiled(flat_d, offsets, width, step, flat_out, bad, s0, s1),
                offsets,
                width,
                d.size,
            )
        else:
            _parallel(
                lambda s0, s1: compiled(flat_d, offsets, width, step, flat_out, s0, s1),
                offsets,
                width,
                d.size,
            )
        wrapped = bool(bad.any())
    else:
        wrapped = _cumsum_numpy(d, offsets, lag, out)
    if wrapped:
        raise overflow_error("cumulative sum")
    return out


def _loaded_kernels() -> list[str]:
    """``name[key]`` of every kernel signature compiled in this process (for tests)."""
    module = sys.modules[__name__]
    return sorted(
        f"{name}[{key}]"
        for name, value in vars(module).items()
        if isinstance(value, Kernel)
        for key in value._compiled
    )
