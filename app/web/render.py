"""Rendering helpers: templates, safe Markdown, human times (draft diffs: app/web/diff.py)."""

from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# CommonMark with raw HTML disabled: text is escaped, and markdown-it refuses javascript:,
# vbscript:, file: and data: links, so a draft can never inject markup or script.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown(text: str) -> Markup:
    """A draft's Markdown as safe HTML."""
    return Markup(_MARKDOWN.render(text))


def duration(seconds: float) -> str:
    """A short human duration: ``3 days``, ``5 h 20 min``, ``40 s``."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days >= 2:
        return f"{days} days"
    if days == 1:
        return f"1 day {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def when(value: datetime | None) -> str:
    """A timestamp as shown on pages (UTC)."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def state_label(state: str) -> str:
    return state.replace("_", " ")


def _percent(part: int, whole: int) -> int:
    return 0 if whole <= 0 else min(100, round(100 * part / whole))


TEMPLATES.env.filters.update(
    markdown=markdown, duration=duration, when=when, state=state_label, percent=_percent
)
TEMPLATES.env.globals.update(escape=escape)
