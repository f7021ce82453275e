"""The window frame: application start-up, main window, actions, theme, status bar, workers."""
