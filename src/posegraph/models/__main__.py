"""``python -m posegraph.models fetch|path``."""

import sys

from ._cli import main

sys.exit(main())
