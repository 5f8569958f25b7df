"""The challenge dashboard: the report's 24 challenges with this week's indicator.

The indicators are the outcomes ``challenge_NN_slug`` of the model's weekly table (see
``model/dashboard.py``); each row shows the value now beside week 0's, so a class can
see which challenges a path moved.
"""

from __future__ import annotations

import math
from html import escape

from model import KizunaModel
from model.dashboard import CHALLENGES

STYLE = (
    "<style>.kizuna-challenges td, .kizuna-challenges th {padding: 2px 8px; "
    "vertical-align: top; text-align: left; border-bottom: 1px solid #e0e0e0}</style>"
)
HEADER = ("#", "agent", "the report's challenge", "indicator", "week 0", "now")


def format_value(value: float, unit: str) -> str:
    """A number in its unit's usual form (shares as percentages, yen with separators)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "share":
        return f"{value:.1%}"
    if unit.startswith("yen"):
        return f"¥{value:,.0f}"
    if unit == "0-1":
        return f"{value:.2f}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def rows(model: KizunaModel) -> list[dict[str, str | int]]:
    """One row per challenge, in the report's order."""
    table = model.datacollector.model_vars
    out = []
    for c in CHALLENGES:
        now = model.latest.get(c.outcome, math.nan)
        start = table[c.outcome][0] if table.get(c.outcome) else math.nan
        out.append(
            {
                "number": c.number,
                "agent": c.agent,
                "wording": c.wording,
                "indicator": c.indicator,
                "unit": c.unit,
                "now": format_value(now, c.unit),
                "week 0": format_value(start, c.unit),
            }
        )
    return out


def html(model: KizunaModel) -> str:
    """The dashboard as an HTML table, one row per challenge."""
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    body = "".join(
        f"<tr><td>{r['number']}</td><td>{escape(str(r['agent']))}</td>"
        f"<td>{escape(str(r['wording']))}</td>"
        f"<td>{escape(str(r['indicator']))} ({escape(str(r['unit']))})</td>"
        f"<td>{escape(str(r['week 0']))}</td><td><b>{escape(str(r['now']))}</b></td></tr>"
        for r in rows(model)
    )
    return f'{STYLE}<table class="kizuna-challenges"><tr>{head}</tr>{body}</table>'
