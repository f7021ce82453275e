"""PyInstaller entry point: the same `slm-assistant` command as the console script."""

import multiprocessing
import sys

from desktop_app.cli import main

if __name__ == "__main__":
    # The GUI's document index runs in a spawned child process; in the frozen app that child
    # is this executable again, and freeze_support() turns it into the child (then exits).
    multiprocessing.freeze_support()
    sys.exit(main())
