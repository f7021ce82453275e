"""Where things live (paths), what the user chose (settings) and what IT locked (policy)."""
