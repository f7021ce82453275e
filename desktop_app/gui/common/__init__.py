"""Pieces every area of the window uses: workers, accessible names, the error banner, the status bar, wording."""
