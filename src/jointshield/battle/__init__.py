"""A raid fought under an architecture: deploy once, prepare per architecture, run blocks."""
