"""The public contract of ../shared/API.md, kept apart from the table models on purpose."""
