"""The conversation: chat view, messages, composer, citations, claim marks, conversation list."""
