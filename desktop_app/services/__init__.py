"""Use-cases shared by the CLI and the GUI (Assistant.answer, Library.index...)."""
