"""Cloud hand-off: the router (pure decision + reason), redaction and the audit log."""
