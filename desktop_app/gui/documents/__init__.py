"""The documents panel: tree, progress, watch, drops, collections, index jobs."""
