"""``python -m unimedia`` runs the same CLI as the ``unimedia`` script."""

from __future__ import annotations

import sys

from unimedia.cli import main

if __name__ == "__main__":
    sys.exit(main())
