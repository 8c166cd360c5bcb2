"""Service functions: one writer per domain verb; services flush, never commit."""
