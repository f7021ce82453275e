"""Dialogs opened from the menus: about, audit log, confirmations, model downloads, usage."""
