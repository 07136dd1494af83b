"""Textual interface: `make_app` in app.py builds the app the CLI runs."""
