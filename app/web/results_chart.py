"""The picture of a closed issue's result, as geometry for inline SVG (templates/results.html).

Two charts, drawn on the server (no script, no inline style: the page's Content-Security-Policy
allows neither; colours come from classes in static/style.css):

* approval, disapproval and abstention per voted initiative as one stacked horizontal bar each,
  scaled to the voters, with a tick where the policy's required share of the approvals and
  disapprovals lies (the bar's approval part must pass it);
* the Schulze ranking, best first, with the status quo's place drawn as a line.

Every number is taken from :class:`proposals.services.explain.ResultExplanation`; the page shows
the same numbers in a table next to the pictures (their text alternative).
"""

from dataclasses import dataclass

from proposals.models import Policy
from proposals.services.explain import ResultExplanation

WIDTH = 360
"""The viewBox width: about a phone's width in CSS pixels, so text stays legible at 390 px."""
ROW = 64
TEXT_DY = 14
BAR_DY = 20
NUMBERS_DY = 52
BAR_HEIGHT = 16
RANK_ROW = 26
NAME_MAX = 40


def short(name: str, limit: int = NAME_MAX) -> str:
    """A name cut to fit a chart row (the table beside it gives it in full)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Segment:
    kind: str
    """``approve``, ``disapprove`` or ``abstain`` (the CSS class ``bar-<kind>``)."""
    x: float
    width: float
    value: int


@dataclass(frozen=True)
class BarRow:
    label: str
    numbers: str
    text_y: int
    bar_y: int
    numbers_y: int
    segments: list[Segment]
    needed_x: float | None
    """Where the required share of approvals and disapprovals ends (None: nobody took a side)."""


@dataclass(frozen=True)
class VotesChart:
    height: int
    rows: list[BarRow]
    description: str


@dataclass(frozen=True)
class RankRow:
    label: str
    y: int
    status_quo: bool
    better: bool


@dataclass(frozen=True)
class RankingChart:
    height: int
    rows: list[RankRow]
    description: str


def _scale(value: float, total: int) -> float:
    return round(WIDTH * value / total, 2) if total else 0.0


def votes_chart(explained: ResultExplanation, policy: Policy) -> VotesChart | None:
    """The stacked bars, or None when no initiative was voted on."""
    voted = [i for i in explained.initiatives if i.approve is not None]
    if not voted or explained.voter_count is None:
        return None
    total = explained.voter_count
    rows = []
    descriptions = []
    for n, initiative in enumerate(voted):
        approve, disapprove = initiative.approve or 0, initiative.disapprove or 0
        abstain = initiative.abstain or 0
        x = 0.0
        segments = []
        for kind, value in (("approve", approve), ("disapprove", disapprove), ("abstain", abstain)):
            width = _scale(value, total)
            if value:
                segments.append(Segment(kind, x, width, value))
            x = round(x + width, 2)
        sides = approve + disapprove
        needed_x = (
            _scale(sides * policy.direct_majority_num / policy.direct_majority_den, total)
            if sides
            else None
        )
        numbers = f"{approve} approve · {disapprove} disapprove · {abstain} abstain"
        rows.append(
            BarRow(
                label=short(initiative.name),
                numbers=numbers,
                text_y=n * ROW + TEXT_DY,
                bar_y=n * ROW + BAR_DY,
                numbers_y=n * ROW + NUMBERS_DY,
                segments=segments,
                needed_x=needed_x,
            )
        )
        descriptions.append(
            f"{initiative.name}: {approve} approve, {disapprove} disapprove, {abstain} abstain"
            f" of {total}; {initiative.majority_text}."
        )
    return VotesChart(height=len(voted) * ROW - 6, rows=rows, description=" ".join(descriptions))


def ranking_chart(explained: ResultExplanation) -> RankingChart | None:
    """The Schulze ranking with the status quo's line, or None without a vote."""
    if not explained.ranking:
        return None
    rows = []
    for n, entry in enumerate(explained.ranking):
        label = (
            f"{entry.schulze_rank}. Status quo"
            if entry.initiative_id is None
            else f"{entry.schulze_rank}. {short(entry.name)}"
        )
        rows.append(
            RankRow(
                label=label,
                y=n * RANK_ROW,
                status_quo=entry.initiative_id is None,
                better=entry.better_than_status_quo,
            )
        )
    above = [e.name for e in explained.ranking if e.better_than_status_quo]
    below = [
        e.name
        for e in explained.ranking
        if e.initiative_id is not None and not e.better_than_status_quo
    ]
    description = "Schulze ranking, best first: " + ", ".join(
        f"{e.schulze_rank}. {e.name}" for e in explained.ranking
    )
    description += (
        f". Ranked above the status quo: {', '.join(above) if above else 'none'}."
        f" Ranked below it: {', '.join(below) if below else 'none'}."
    )
    return RankingChart(height=len(rows) * RANK_ROW, rows=rows, description=description)
