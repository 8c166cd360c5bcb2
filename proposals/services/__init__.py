"""Service functions: each domain verb has exactly one writer here, which flushes but never commits."""
