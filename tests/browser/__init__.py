"""Browser tests: Playwright drives Debian's Chromium against a real server process."""
