"""The host-stress scenarios of hosts.py, each once in its own process (a hang is a failure: the
process is killed after hosts.PROCESS_TIMEOUT_S): fork-based pools and os.fork() after vmp was
loaded, spawn and forkserver pools, threads blocked in 600 s waits when the main thread ends,
sales on short-lived threads under forced garbage collection. `make host-stress` runs them many
times (hosts.py runs N)."""

from __future__ import annotations

import pickle
import sys
import unittest

import hosts
import vmp
from vmp import PaymentState, Status


class ScenarioTest(unittest.TestCase):
    def check(self, name: str) -> None:
        r = hosts.run(name)
        if r.latency is not None:
            print("%s: latency %.3f s" % (name, r.latency), file=sys.stderr)
        self.assertEqual(r.outcome, "ok", "%s %s:\n%s" % (name, r.outcome, r.output))

    # fork after vmp was loaded: ForkedError at once, the parent unaffected
    def test_a_fork_pool_after_a_client_gets_forked_errors_back(self) -> None:
        self.check("fork-pool-after-client")

    def test_a_fork_pool_after_only_version_gets_forked_errors_back(self) -> None:
        self.check("fork-pool-after-version")

    def test_an_os_fork_child_using_the_parent_s_client_gets_forked_error_and_leaves_the_parent_alone(self) -> None:
        self.check("fork-child-uses-client")

    def test_an_os_fork_child_that_touches_nothing_exits(self) -> None:
        self.check("fork-child-exits")

    def test_a_fork_python_does_not_see_is_answered_by_the_library(self) -> None:
        self.check("fork-bypassing-python")

    def test_spawn_and_forkserver_pools_work(self) -> None:
        self.check("spawn-pool")
        self.check("forkserver-pool")

    # exit: a non-daemon thread blocked in a 600 s wait does not hold the process
    def test_a_thread_blocked_in_next_scan_does_not_keep_the_interpreter_alive(self) -> None:
        self.check("exit-next-scan")

    def test_a_thread_blocked_in_status_does_not_keep_the_interpreter_alive(self) -> None:
        self.check("exit-status-wait")

    def test_an_executor_worker_blocked_in_status_does_not_keep_the_interpreter_alive(self) -> None:
        self.check("exit-executor")

    def test_without_threading_register_atexit_the_watcher_does_the_same(self) -> None:
        self.check("exit-next-scan-fallback")
        self.check("exit-status-wait-fallback")

    # the shapes of the Mono stress, under CPython
    def test_sales_on_short_lived_threads_under_gc_collect(self) -> None:
        self.check("churn")


class PicklingTest(unittest.TestCase):
    """Errors raised in a multiprocessing worker reach the parent as themselves."""

    def test_errors_survive_pickling_with_their_fields(self) -> None:
        payment = vmp.Payment(reference="ref-00000001", state=PaymentState.AUTHORIZED, amount=100, authorized=100,
                              captured=0, refunded=0, cancelled=0, currency="NOK")
        for e in (vmp.ForkedError(Status.FORKED, "VMP_ERR_FORKED", "this process was forked"),
                  vmp.UnknownOutcomeError(Status.UNKNOWN_OUTCOME, "VMP_ERR_UNKNOWN_OUTCOME", "no answer",
                                          reference="ref-00000001"),
                  vmp.AlreadyAuthorizedError(Status.ALREADY_AUTHORIZED, "VMP_ERR_ALREADY_AUTHORIZED", "",
                                             payment=payment),
                  vmp.VmpError(9999, "VMP_ERR_UNKNOWN_STATUS", "from a newer library")):
            back = pickle.loads(pickle.dumps(e))
            self.assertIs(type(back), type(e))
            self.assertEqual((back.status, back.status_name, back.detail, back.payment, back.reference, str(back)),
                             (e.status, e.status_name, e.detail, e.payment, e.reference, str(e)))

    def test_status_24_is_a_forked_error(self) -> None:
        from vmp.errors import error_class, forked_error
        self.assertIs(error_class(Status.FORKED), vmp.ForkedError)
        e = forked_error()
        self.assertEqual(str(e), "VMP_ERR_FORKED: this process was forked after vmp was loaded; start vmp after fork, "
                                 "or use spawn/forkserver")


if __name__ == "__main__":
    unittest.main()
