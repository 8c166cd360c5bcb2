"""E-mails from templates: ``templates/email/NAME.txt`` and ``NAME.html`` (multipart).

The text template's first line is ``Subject: ...``; the rest is the text body. Both templates get
the same context; the HTML one is autoescaped like every page.
"""

from dataclasses import dataclass
from typing import Any

from app.web.render import TEMPLATES


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(name: str, **context: Any) -> RenderedEmail:
    """Render ``email/NAME.txt`` and ``email/NAME.html`` with ``context``."""
    environment = TEMPLATES.env
    text = environment.get_template(f"email/{name}.txt").render(**context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"email/{name}.txt must start with a 'Subject: ' line")
    html = environment.get_template(f"email/{name}.html").render(**context)
    return RenderedEmail(
        subject=first.removeprefix("Subject: ").strip(), text=body.lstrip("\n"), html=html
    )
