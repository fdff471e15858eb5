"""Runs stress.py in its own process: it must finish, account for every payment, and exit by
itself within its time bound (a hang at exit is a failure)."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest

import support

SECONDS = os.environ.get("VMP_STRESS_SECONDS", "5")


class StressTest(unittest.TestCase):
    def test_16_threads_pay_and_scan_at_once_and_the_process_exits(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(support.PACKAGE_ROOT))
        try:
            p = subprocess.run([sys.executable, str(support.HERE / "stress.py"), SECONDS], env=env,
                               capture_output=True, text=True, timeout=float(SECONDS) + 150)
        except subprocess.TimeoutExpired as e:
            self.fail("the stress process did not exit in time (hang at exit?): %s" % (e.stdout,))
        print(p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr, file=sys.stderr)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(" 0 errors", p.stdout)


if __name__ == "__main__":
    unittest.main()
