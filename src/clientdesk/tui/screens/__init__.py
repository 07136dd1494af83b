"""Main screens, one per file; each is the base screen of one app mode."""
