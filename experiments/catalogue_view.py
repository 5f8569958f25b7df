"""`kizuna paths`: the catalogue of the report's 27 paths as a table, Markdown or JSON."""

from __future__ import annotations

import json

from model.interventions import catalogue_table


def render(fmt: str = "table") -> str:
    rows = catalogue_table()
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt == "markdown":
        head = ["#", "slug", "image", "the report's wording", "acts on", "mechanism",
                "intensity", "targeting", "indicator", "cost (yen/year)", "payer"]  # fmt: skip
        keys = ["number", "slug", "image", "wording", "acts_on", "mechanism", "intensity",
                "targeting", "indicator", "cost", "payer"]  # fmt: skip
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in rows:
            cells = [str(row[k]).replace("|", "/") for k in keys]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)
    # a plain table for the terminal: one row per path (details in markdown or json)
    header = f"{'#':>3}  {'slug':<36} {'image':<29} {'indicator':<30} {'targeting':<24} payer"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['number']:>3}  {row['slug']:<36} {row['image']:<29} "
            f"{row['indicator']:<30} {row['targeting']:<24} {row['payer']}"
        )
    lines.append("(kizuna paths --format markdown or json: the report's wording, mechanism,")
    lines.append(" intensity and cost model of each path)")
    return "\n".join(lines)
