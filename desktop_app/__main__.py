"""`python -m desktop_app` runs the same entry point as `slm-assistant`."""

from desktop_app.cli import main

raise SystemExit(main())
