"""``python -m unimedia`` runs the same CLI as the ``unimedia`` script.

This is how postdeploy starts the embedded reference service, once per run (and once per
test that needs its own). By the time :func:`main` returns, the server has shut down and
the database is closed; a normal interpreter exit would then spend a quarter of a second
tearing down modules and the app's objects (measured: SIGTERM to exit 0.50 s, 0.25 s of it
after the server had finished). Flush what is buffered and leave at once instead.
"""

from __future__ import annotations

import logging
import os
import sys

from unimedia.cli import main

if __name__ == "__main__":
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
