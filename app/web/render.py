"""Rendering helpers: templates, safe Markdown, human times (draft diffs: app/web/diff.py)."""

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import cast

from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML, RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# CommonMark with raw HTML disabled: text is escaped, and markdown-it refuses javascript:,
# vbscript:, file: and data: links, so a draft can never inject markup or script.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _image_as_link(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """An image is never loaded (it would tell its host every reader's address): it becomes a
    link to the picture, named by its alt text (or its address); inside a link, only the text."""
    token = tokens[idx]
    renderer = cast(RendererHTML, self)
    src = str(token.attrGet("src") or "")
    text = renderer.renderInlineAsText(token.children or [], options, env) or src
    if env.get(_IN_LINK):
        return str(escape(f"{text} (image: {src})"))
    return (
        f'<a class="image-link" href="{escape(src)}" rel="nofollow noopener noreferrer">'
        f"{escape(text)}</a>"
    )


def _link_open(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    env[_IN_LINK] = True  # tokens render in order, and links do not nest
    return cast(RendererHTML, self).renderToken(tokens, idx, options, env)


def _link_close(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    env[_IN_LINK] = False
    return cast(RendererHTML, self).renderToken(tokens, idx, options, env)


_IN_LINK = "lp_in_link"
_MARKDOWN.add_render_rule("image", _image_as_link)
_MARKDOWN.add_render_rule("link_open", _link_open)
_MARKDOWN.add_render_rule("link_close", _link_close)


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


def plural(count: int | None, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun in the right number: ``1 supporter``, ``2 supporters``
    (``plural_form`` for nouns that do not just take an ``s``)."""
    number = count or 0
    return f"{number} {singular if number == 1 else plural_form or singular + 's'}"


def snapshot_label(snapshot_at: datetime | None) -> str:
    """What a count from the lifecycle's snapshot says about its age (it lags the members'
    own actions until the next snapshot)."""
    if snapshot_at is None:
        return "no snapshot taken yet"
    return f"at the last snapshot, {when(snapshot_at)}"


def _percent(part: int, whole: int) -> int:
    return 0 if whole <= 0 else min(100, round(100 * part / whole))


TEMPLATES.env.filters.update(
    markdown=markdown,
    duration=duration,
    when=when,
    state=state_label,
    percent=_percent,
    plural=plural,
    snapshot=snapshot_label,
)
TEMPLATES.env.globals.update(escape=escape)
