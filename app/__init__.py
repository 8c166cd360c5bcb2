"""Liquid Policy's web layer and wiring: FastAPI app, settings, auth, pages and CLI."""
