"""``python -m jointshield`` runs the command line."""

import sys

from jointshield.cli import main

sys.exit(main())
