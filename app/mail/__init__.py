"""E-mail: rendering messages from templates (render.py) and sending the outbox over SMTP."""
