"""theatre."""
