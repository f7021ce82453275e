"""PySide6 lives only here: main window, chat view, sidebar, documents, settings, workers."""
