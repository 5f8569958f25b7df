"""The challenge dashboard: `kizuna challenges` and each run's ``dashboard.csv``.

``render`` lists the report's 24 challenges with their indicators (a table for the
terminal, Markdown, or JSON); ``dashboard_table`` turns a run's ``summary.csv`` into one
row per challenge, in the report's order.
"""

from __future__ import annotations

import json

import pandas as pd

from model.dashboard import CHALLENGES

COLUMNS = ["challenge", "agent", "wording", "indicator", "unit", "median", "p05", "p95"]


def catalogue() -> list[dict]:
    """Every challenge as a plain dict: number, agent, wording, outcome, indicator, unit, how."""
    return [
        {
            "number": c.number,
            "agent": c.agent,
            "wording": c.wording,
            "outcome": c.outcome,
            "indicator": c.indicator,
            "unit": c.unit,
            "how": c.how,
        }
        for c in CHALLENGES
    ]


def dashboard_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per challenge from a summary frame (``summary.csv``): the challenge's
    number, agent, the report's wording, the indicator, its unit, and the median and
    5-95% band over replications. A challenge missing from the summary gets NaN."""
    figures = summary.set_index("outcome")
    rows = []
    for c in CHALLENGES:
        have = c.outcome in figures.index
        rows.append(
            {
                "challenge": c.number,
                "agent": c.agent,
                "wording": c.wording,
                "indicator": c.indicator,
                "unit": c.unit,
                **{
                    k: float(figures.at[c.outcome, k]) if have else float("nan")
                    for k in COLUMNS[5:]
                },
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _cell(text: object) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def render(fmt: str = "table") -> str:
    rows = catalogue()
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt == "markdown":
        head = ["#", "agent", "the report's wording", "indicator", "unit", "how it is computed"]
        keys = ["number", "agent", "wording", "indicator", "unit", "how"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in rows:
            lines.append("| " + " | ".join(_cell(row[k]) for k in keys) + " |")
        return "\n".join(lines)
    # a plain table for the terminal: one row per challenge (details in markdown or json)
    header = f"{'#':>3}  {'agent':<31} {'outcome':<42} unit"
    lines = [header, "-" * (len(header) + 30)]
    for row in rows:
        lines.append(f"{row['number']:>3}  {row['agent']:<31} {row['outcome']:<42} {row['unit']}")
    lines.append("(kizuna challenges --format markdown or json: the report's wording, the")
    lines.append(" indicator and how it is computed)")
    return "\n".join(lines)
