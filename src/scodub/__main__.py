"""``python -m scodub``."""

from scodub.cli import main

main()
