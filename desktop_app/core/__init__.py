"""Plain records, typed errors and the conversation store: no Qt, no heavy imports."""
