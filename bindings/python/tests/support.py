"""What the binding's tests share."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent          # bindings/python
REPO = PACKAGE_ROOT.parent.parent   # the source tree
HEADER = Path(os.environ.get("VMP_HEADER", REPO / "include" / "vmp.h"))

if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))

#: A simulator whose customers answer at once.
FAST = {"simulator": {"approve_delay_ms": 0}}
