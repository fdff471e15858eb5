"""Host-stress scenarios of the Python binding: how CPython scripts really use vmp - fork-based
multiprocessing pools, os.fork(), threads left blocked in a long wait when the main thread ends,
threads coming and going under forced garbage collection. Each scenario runs in its own process
(a hang is counted by the caller's timeout, never waited out) and ends with one line,
"result: ok ..." or "result: FAIL ...".

    python3 hosts.py scenario NAME      run one scenario in this process
    python3 hosts.py runs N [NAME...]   run every (or the named) scenario N times, each in its own
                                        process, and print a table of ok / failed / hung / slow
                                        runs and the slowest latency (an exit after the main
                                        thread finished, a ForkedError's answer); exit status 1
                                        on any failure, hang or slow run

test_hosts.py runs each scenario once; `make host-stress` runs them many times.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import multiprocessing
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import support

if os.environ.get("VMP_TEST_NO_REGISTER_ATEXIT") and __name__ == "__main__":
    # The fallback for Pythons before 3.9, which lack threading._register_atexit.
    del threading._register_atexit  # type: ignore[attr-defined]

import vmp  # noqa: E402

PHONE = "4791234567"
WAITS_FOR_CONTROL = "4790000004"   # the simulator's customer who never answers by himself
RESULT_S = 10.0                    # how long a scenario waits for an answer before calling it a hang
MAIN_RETURNING = "main returning"  # printed when the main thread is about to finish
#: How long a scenario process may run in all before the caller counts it as hung.
PROCESS_TIMEOUT_S = float(os.environ.get("VMP_HOSTS_TIMEOUT_S", "90"))
CHURN_SECONDS = float(os.environ.get("VMP_HOSTS_CHURN_SECONDS", "5"))

_client: Optional[vmp.Client] = None   # the parent's client, inherited by forked workers


def _ok(what: str) -> int:
    print("result: ok", what, flush=True)
    return 0


def _fail(what: str) -> int:
    print("result: FAIL", what, flush=True)
    return 1


def _latency(seconds: float) -> None:
    """Reports the scenario's latency: how long the answer that must come "at once" took."""
    print("latency: %.6f" % seconds, flush=True)


# ---- fork ------------------------------------------------------------------------------------------

def _forked_call(kind: str) -> str:
    """In a pool worker: one vmp call of the kind asked; returns only if it did not raise."""
    if kind == "version":
        return vmp.version()
    if kind == "client":
        vmp.Client(support.FAST).close()
        return "a client"
    assert _client is not None
    if kind == "checkout":
        return _client.checkout(100, phone_number=PHONE)
    if kind == "status":
        return str(_client.status("hosts-no-such-ref", wait=5))
    raise ValueError(kind)


def _fork_pool(calls: List[str]) -> int:
    """A fork-based Pool(4) whose workers call vmp: every call must raise ForkedError, and the
    parent must have each answer within RESULT_S."""
    ctx = multiprocessing.get_context("fork")
    problems = []
    slowest = 0.0
    with ctx.Pool(4) as pool:
        pending = [(kind, time.monotonic(), pool.apply_async(_forked_call, (kind,))) for kind in calls * 2]
        for kind, started, result in pending:
            try:
                got = result.get(timeout=max(0.1, started + RESULT_S - time.monotonic()))
                problems.append("%s returned %r in a forked worker" % (kind, got))
            except multiprocessing.TimeoutError:
                problems.append("%s: no answer from the worker in %.0f s (hung)" % (kind, RESULT_S))
            except vmp.ForkedError as e:
                slowest = max(slowest, time.monotonic() - started)
                if e.status != vmp.Status.FORKED or "start vmp after fork" not in str(e):
                    problems.append("%s: %r" % (kind, e))
            except Exception as e:  # noqa: BLE001 - reported
                problems.append("%s raised %r, not ForkedError" % (kind, e))
        pool.terminate()
    if problems:
        return _fail("; ".join(problems))
    _latency(slowest)
    return _ok("%d calls in forked workers raised ForkedError, the slowest answer after %.3f s"
               % (len(calls) * 2, slowest))


def fork_pool_after_client() -> int:
    global _client
    _client = vmp.Client(support.FAST)
    ref = _client.checkout(100, phone_number=PHONE)
    _client.status(ref, wait=10)
    rc = _fork_pool(["version", "client", "checkout", "status"])
    # The parent is unaffected.
    ref = _client.checkout(100, phone_number=PHONE)
    if _client.status(ref, wait=10).state is not vmp.PaymentState.AUTHORIZED:
        return _fail("the parent's checkout after the pool was not authorized")
    _client.close()
    return rc


def fork_pool_after_version() -> int:
    vmp.version()
    rc = _fork_pool(["version", "client"])
    with vmp.Client(support.FAST) as c:  # the parent can still start vmp
        c.status(c.checkout(100, phone_number=PHONE), wait=10)
    return rc


def _journal_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wait_child(pid: int, seconds: float) -> Optional[int]:
    """The child's exit status, or None (and the child killed) when it has not exited in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def fork_child_uses_client() -> int:
    """os.fork(); the child uses the parent's client: ForkedError at once, nothing of the parent's
    touched; the child exits normally; the parent's next calls work and its journal lists nothing
    of the child's."""
    parent = os.getpid()
    tmp = tempfile.mkdtemp(prefix="vmp-hosts-")  # not a with block: the child must not remove it
    try:
        journal = Path(tmp) / "journal.db"
        client = vmp.Client(support.FAST, journal_path=str(journal))
        ref = client.checkout(100, phone_number=PHONE)
        client.status(ref, wait=10)
        client.capture(ref, 100, operation_id="hosts-parent-1")
        before = _journal_digest(journal)
        pending_before = client.pending()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            lines = []
            for name, call in (("checkout", lambda: client.checkout(100, phone_number=PHONE, reference="hosts-child-0001")),
                               ("status", lambda: client.status(ref)),
                               ("pending", client.pending),
                               ("version", vmp.version),
                               ("a new client", lambda: vmp.Client(support.FAST))):
                started = time.monotonic()
                try:
                    call()
                    lines.append("%s returned" % name)
                except vmp.ForkedError as e:
                    lines.append("ok %s %.3f %s" % (name, time.monotonic() - started, e.status_name))
                except BaseException as e:  # noqa: BLE001 - reported to the parent
                    lines.append("%s raised %r" % (name, e))
            client.close()  # a no-op in the child: must neither hang nor raise
            os.write(w, ("\n".join(lines) + "\n").encode())
            os.close(w)
            raise SystemExit(0)  # the normal way out: the interpreter's exit handlers run
        os.close(w)
        got = b""
        deadline = time.monotonic() + RESULT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([r], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(r, 4096)
            if not chunk:
                break
            got += chunk
        os.close(r)
        code = _wait_child(pid, RESULT_S)
        problems = [line for line in got.decode().splitlines() if not line.startswith("ok ")]
        if got.count(b"\n") < 5:
            problems.append("the child answered %d of 5 calls in %.0f s (hung): %r" % (got.count(b"\n"), RESULT_S, got))
        if code is None:
            problems.append("the child did not exit in %.0f s (hung at exit)" % RESULT_S)
        elif code != 0:
            problems.append("the child exited %d" % code)
        if _journal_digest(journal) != before:
            problems.append("the parent's journal changed while the child ran")
        try:
            ref2 = client.checkout(100, phone_number=PHONE)
            if client.status(ref2, wait=10).state is not vmp.PaymentState.AUTHORIZED:
                problems.append("the parent's next checkout was not authorized")
            client.capture(ref2, 100, operation_id="hosts-parent-2")
            pending_after = client.pending()
            refs = {e.reference for e in pending_after.open + pending_after.unacknowledged}
            if "hosts-child-0001" in refs:
                problems.append("the parent's pending() lists the child's checkout")
            if len(pending_after.open) != len(pending_before.open):
                problems.append("the parent's open operations changed: %s -> %s" % (pending_before.open, pending_after.open))
            try:
                client.status("hosts-child-0001")
                problems.append("the child's checkout exists")
            except vmp.VmpError as e:
                if e.status != vmp.Status.NOT_FOUND:
                    problems.append("status of the child's reference: %r" % e)
        except vmp.VmpError as e:
            problems.append("the parent's next calls failed: %r" % e)
        client.close()
    finally:
        if os.getpid() == parent:
            shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        return _fail("; ".join(problems))
    _latency(max(float(line.split()[-2]) for line in got.decode().splitlines()))
    return _ok("the child's calls raised ForkedError (%s); the parent is unaffected"
               % "; ".join(line[3:] for line in got.decode().splitlines()))


def fork_child_exits() -> int:
    """A child forked after a client was made touches nothing and calls sys.exit(0): it exits
    at once (the binding's exit handler does nothing in it)."""
    client = vmp.Client(support.FAST)
    client.status(client.checkout(100, phone_number=PHONE), wait=10)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        sys.exit(0)
    code = _wait_child(pid, RESULT_S)
    client.close()
    if code is None:
        return _fail("the child did not exit in %.0f s (hung at exit)" % RESULT_S)
    if code != 0:
        return _fail("the child exited %d" % code)
    _latency(time.monotonic() - started)
    return _ok("the child exited after %.3f s" % (time.monotonic() - started))


def fork_bypassing_python() -> int:
    """A fork that Python's own fork hooks do not see (libc's fork() called through ctypes, as a C
    extension might): the binding cannot know, so the library itself must answer
    VMP_ERR_FORKED at once, which the binding raises as ForkedError."""
    client = vmp.Client(support.FAST)
    client.status(client.checkout(100, phone_number=PHONE), wait=10)
    r, w = os.pipe()
    libc = ctypes.PyDLL(None)  # PyDLL keeps the GIL held across fork(): the child can go on running Python
    pid = libc.fork()
    if pid == 0:
        os.close(r)
        started = time.monotonic()
        try:
            client.checkout(100, phone_number=PHONE)
            line = "checkout returned"
        except vmp.ForkedError as e:
            line = "ok %.3f %s" % (time.monotonic() - started, e)
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            line = "checkout raised %r" % e
        os.write(w, (line + "\n").encode())
        os._exit(0)  # the interpreter's state after a raw fork is not fit for a normal exit
    os.close(w)
    ready, _, _ = select.select([r], [], [], RESULT_S)
    got = os.read(r, 4096).decode().strip() if ready else ""
    os.close(r)
    code = _wait_child(pid, RESULT_S)
    problems = []
    if not got:
        problems.append("the child's checkout did not answer in %.0f s (hung)" % RESULT_S)
    elif not got.startswith("ok "):
        problems.append("in the child: " + got)
    if code is None:
        problems.append("the child did not exit")
    try:
        client.status(client.checkout(100, phone_number=PHONE), wait=10)
    except vmp.VmpError as e:
        problems.append("the parent's next checkout failed: %r" % e)
    client.close()
    if problems:
        return _fail("; ".join(problems))
    _latency(float(got.split()[1]))
    return _ok("the library answered the child at once: " + got[3:])


def _pay_in_worker(n: int) -> str:
    with vmp.Client(support.FAST) as c:
        ref = c.checkout(100 + n, phone_number=PHONE)
        return c.status(ref, wait=10).state.name


def _other_pool(method: str) -> int:
    """A spawn or forkserver pool after the parent loaded vmp: its workers start vmp themselves."""
    client = vmp.Client(support.FAST)
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(2) as pool:
        results = [pool.apply_async(_pay_in_worker, (n,)) for n in range(4)]
        try:
            states = [r.get(timeout=60) for r in results]
        except multiprocessing.TimeoutError:
            return _fail("a %s worker did not answer in 60 s" % method)
        pool.terminate()
    client.close()
    if states != ["AUTHORIZED"] * 4:
        return _fail("%s workers: %s" % (method, states))
    return _ok("4 payments in %s workers authorized" % method)


def spawn_pool() -> int:
    return _other_pool("spawn")


def forkserver_pool() -> int:
    return _other_pool("forkserver")


# ---- exit --------------------------------------------------------------------------------------------

def _exit_with_blocked_thread(block: Callable[[vmp.Client], object]) -> int:
    """A non-daemon thread blocked in a 600 s wait when the main thread finishes: the process
    must end at once (the caller measures it from the MAIN_RETURNING line)."""
    client = vmp.Client(support.FAST)
    entered = threading.Event()

    def blocked() -> None:
        entered.set()
        try:
            block(client)
            print("blocked thread: the wait returned", flush=True)
        except vmp.ClientClosedError:
            print("blocked thread: ClientClosedError", flush=True)
        except vmp.VmpError as e:
            print("blocked thread: %r" % e, flush=True)

    t = threading.Thread(target=blocked, name="till-waiter")  # not a daemon
    t.start()
    entered.wait()
    time.sleep(0.2)  # into the library's wait
    print("result: ok the main thread leaves a thread blocked in a 600 s wait", flush=True)
    print(MAIN_RETURNING, flush=True)
    return 0


def exit_next_scan() -> int:
    return _exit_with_blocked_thread(lambda c: c.next_scan(wait=600))


def exit_status_wait() -> int:
    def block(c: vmp.Client) -> object:
        return c.status(c.checkout(100, phone_number=WAITS_FOR_CONTROL), wait=600)
    return _exit_with_blocked_thread(block)


def exit_executor() -> int:
    """A ThreadPoolExecutor worker blocked in status(ref, wait=600) when the main thread finishes,
    concurrent.futures imported only after the first client was made: its own exit hook, which
    joins the workers, must not run before the binding has closed the clients."""
    client = vmp.Client(support.FAST)
    import concurrent.futures  # after the client, on purpose
    ref = client.checkout(100, phone_number=WAITS_FOR_CONTROL)
    executor = concurrent.futures.ThreadPoolExecutor(1)
    future = executor.submit(client.status, ref, 600)
    time.sleep(0.3)  # into the library's wait
    if future.done():
        return _fail("the wait ended early: %r" % (future.exception() or future.result(),))
    print("result: ok the main thread leaves an executor's worker blocked in a 600 s wait", flush=True)
    print(MAIN_RETURNING, flush=True)
    return 0


# ---- threads coming and going under garbage collection ------------------------------------------

def churn() -> int:
    """16 threads run sales, each sale on a new thread that ends after it, while one thread
    collects garbage every 3 ms and another starts short-lived threads that ask for a status
    from memory. No call may hang; every sale must complete."""
    client = vmp.Client(support.FAST, timeouts={"operation_ms": 20000})
    deadline = time.monotonic() + CHURN_SECONDS
    stop = threading.Event()
    errors: List[str] = []
    sales = [0]
    lock = threading.Lock()
    last_ref = [""]

    def sale(n: int, i: int) -> None:
        try:
            amount = 1000 + n * 10 + i % 10
            ref = client.checkout(amount, phone_number="47912345%02d" % n)
            if client.status(ref, wait=30).state is not vmp.PaymentState.AUTHORIZED:
                raise AssertionError(ref + " not authorized")
            client.capture(ref, amount, operation_id="c-%d-%d" % (n, i))
            if i % 3 == 0:
                client.refund(ref, 1, operation_id="cr-%d-%d" % (n, i))
            with lock:
                sales[0] += 1
                last_ref[0] = ref
        except Exception as e:  # noqa: BLE001 - reported
            with lock:
                errors.append("sale %d/%d: %r" % (n, i, e))

    def seller(n: int) -> None:
        i = 0
        while time.monotonic() < deadline and not errors:
            t = threading.Thread(target=sale, args=(n, i), name="sale-%d-%d" % (n, i))
            t.start()
            t.join(60)
            if t.is_alive():
                with lock:
                    errors.append("sale %d/%d hung" % (n, i))
                return
            i += 1

    def collector() -> None:
        while not stop.is_set():
            gc.collect()
            stop.wait(0.003)

    def poller() -> None:
        while not stop.is_set():
            ref = last_ref[0]
            if ref:
                t = threading.Thread(target=lambda: client.status(ref))
                t.start()
                t.join(30)
            stop.wait(0.001)

    helpers = [threading.Thread(target=collector, daemon=True), threading.Thread(target=poller, daemon=True)]
    sellers = [threading.Thread(target=seller, args=(n,), name="seller-%d" % n) for n in range(16)]
    for t in helpers + sellers:
        t.start()
    for t in sellers:
        t.join(CHURN_SECONDS + 90)
    stop.set()
    for t in helpers:
        t.join(30)
    hung = [t.name for t in sellers + helpers if t.is_alive()]
    client.close()
    if hung:
        errors.append("threads still running: %s" % hung)
    if not sales[0]:
        errors.append("no sale completed")
    if errors:
        return _fail("; ".join(errors[:10]))
    return _ok("%d sales on short-lived threads under gc.collect() every 3 ms" % sales[0])


SCENARIOS: Dict[str, Callable[[], int]] = {
    "fork-pool-after-client": fork_pool_after_client,
    "fork-pool-after-version": fork_pool_after_version,
    "fork-child-uses-client": fork_child_uses_client,
    "fork-child-exits": fork_child_exits,
    "fork-bypassing-python": fork_bypassing_python,
    "spawn-pool": spawn_pool,
    "forkserver-pool": forkserver_pool,
    "exit-next-scan": exit_next_scan,
    "exit-status-wait": exit_status_wait,
    "exit-executor": exit_executor,
    "exit-next-scan-fallback": exit_next_scan,    # without threading._register_atexit
    "exit-status-wait-fallback": exit_status_wait,
    "churn": churn,
}


# ---- running scenarios in their own processes ---------------------------------------------------

#: A latency above this counts a run as slow: the answers must come, and processes end, "at once".
SLOW_S = 1.0


class Run:
    """One scenario process: its outcome ("ok", "failed", "hung"), output, and latency: for the
    exit scenarios how long the process took to end after printing MAIN_RETURNING, for the fork
    scenarios the slowest answer that had to come at once (None when there is none)."""

    def __init__(self, outcome: str, output: str, latency: Optional[float]) -> None:
        self.outcome, self.output, self.latency = outcome, output, latency

    def result_line(self) -> str:
        lines = [line for line in self.output.splitlines() if line.startswith("result: ")]
        return lines[-1] if lines else self.output.strip()[-500:]


def run(name: str, timeout: float = PROCESS_TIMEOUT_S) -> Run:
    """Runs a scenario in a new process (its own process group, so that pool workers and forked
    children go with it when it hangs) and waits at most timeout seconds."""
    env = dict(os.environ, PYTHONPATH=str(support.PACKAGE_ROOT), PYTHONUNBUFFERED="1")
    if name.endswith("-fallback"):
        env["VMP_TEST_NO_REGISTER_ATEXIT"] = "1"
    p = subprocess.Popen([sys.executable, str(support.HERE / "hosts.py"), "scenario", name], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: List[str] = []
    main_returned: List[float] = []

    def read() -> None:
        assert p.stdout is not None
        for line in p.stdout:
            if line.strip() == MAIN_RETURNING:
                main_returned.append(time.monotonic())
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code = p.wait(timeout)
        ended = time.monotonic()
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        ended, hung, code = time.monotonic(), True, -9
    reader.join(10)
    if not hung:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # a forked child left behind by a failed scenario
        except ProcessLookupError:
            pass
    output = "".join(lines)
    reported = [float(line.split()[1]) for line in lines if line.startswith("latency: ")]
    latency = ended - main_returned[0] if main_returned else (reported[-1] if reported else None)
    if hung:
        return Run("hung", output + "\n(killed after %.0f s)" % timeout, latency)
    return Run("ok" if code == 0 and "result: ok" in output else "failed", output, latency)


def runs(count: int, names: List[str]) -> int:
    """Runs each scenario count times; prints a table and the output of runs that did not pass.
    A run slower than SLOW_S counts against the total like a failure."""
    print("%-28s %5s %5s %7s %5s %5s  %s" % ("scenario", "runs", "ok", "failed", "hung", "slow", "max latency (s)"), flush=True)
    bad = 0
    for name in names:
        tally = {"ok": 0, "failed": 0, "hung": 0}
        slow = 0
        worst: Optional[float] = None
        shown: List[Tuple[int, Run]] = []
        for i in range(count):
            r = run(name)
            tally[r.outcome] += 1
            if r.latency is not None:
                worst = r.latency if worst is None else max(worst, r.latency)
                slow += r.outcome == "ok" and r.latency > SLOW_S
            if r.outcome != "ok":
                shown.append((i, r))
        bad += tally["failed"] + tally["hung"] + slow
        print("%-28s %5d %5d %7d %5d %5d  %s" % (name, count, tally["ok"], tally["failed"], tally["hung"], slow,
                                                "-" if worst is None else "%.3f" % worst), flush=True)
        for i, r in shown[:3]:
            print("    run %d %s: %s" % (i + 1, r.outcome, r.result_line()), flush=True)
    print("latency: exit-* from the main thread's end to the process's end; fork-* the slowest answer "
          "(ForkedError, or the child's exit) that must come at once; slow: above %.0f s" % SLOW_S, flush=True)
    return 1 if bad else 0


def main(argv: List[str]) -> int:
    if len(argv) == 2 and argv[0] == "scenario" and argv[1] in SCENARIOS:
        return SCENARIOS[argv[1]]()
    if len(argv) >= 2 and argv[0] == "runs":
        names = argv[2:] or list(SCENARIOS)
        unknown = [n for n in names if n not in SCENARIOS]
        if unknown:
            print("unknown scenarios:", ", ".join(unknown), file=sys.stderr)
            return 2
        return runs(int(argv[1]), names)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
