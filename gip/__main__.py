"""``python -m gip ...``: the command line (the same as the ``gip`` script)."""

import sys

from .cli import main

sys.exit(main())
