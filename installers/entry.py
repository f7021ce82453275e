"""PyInstaller entry point: the same `slm-assistant` command as the console script."""

import sys

from desktop_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
