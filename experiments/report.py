"""The comparison report an analyst forwards: ``report.md`` and ``report.html``.

``report.md`` links its figures by paths relative to the report (``figures/x.png``), so
the folder can be moved, zipped or opened from a fresh clone; ``report.html`` carries
the same figures inside it (data URIs), so the one file can be sent on its own.
"""

from __future__ import annotations

import base64
import html
import math
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import markdown
import numpy as np
import pandas as pd

from experiments.compare_figures import key_outcomes
from experiments.paired import LEVEL
from experiments.store import write_text
from model.dashboard import CHALLENGES
from model.outcomes import OUTCOME_BY_NAME

if TYPE_CHECKING:
    from experiments.compare import Comparison

FIGURE_TITLES = {
    "differences": "Final-year differences from the reference scenario",
    "differences_over_time": "Differences over time",
    "fan_ties": "Ties over time",
    "fan_participation": "Participation over time",
    "fan_population": "Population over time",
    "fan_resilience": "Resilience over time",
}


def fmt(x: float) -> str:
    """A number as a reader wants it: no spurious digits, thousands separated."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:,.1f}"
    if a == 0:
        return "0"
    return f"{x:.3g}" if a >= 0.001 else f"{x:.2e}"


def signed(x: float) -> str:
    text = fmt(x)
    return text if text.startswith("-") or text == "n/a" else f"+{text}"


def _band(r: pd.Series) -> str:
    return f"{fmt(r['median'])} [{fmt(r['p05'])} – {fmt(r['p95'])}]"


def _diff(r: pd.Series) -> str:
    mark = " **▲**" if r["distinguishable"] and r["diff_mean"] > 0 else ""
    mark = " **▼**" if r["distinguishable"] and r["diff_mean"] < 0 else mark
    return f"{signed(r['diff_mean'])} [{signed(r['diff_lo'])}, {signed(r['diff_hi'])}]{mark}"


def md_cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, on one line."""
    return " ".join(str(text).replace("|", "\\|").split())


def md_table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return out


def _command(c: Comparison) -> str:
    exp = c.run.experiment
    files = [f or f"<{sc.name}>" for sc, f in zip(exp.scenarios, exp.files, strict=True)]
    years = exp.weeks / 52
    return " ".join(
        [
            "kizuna compare",
            *(shlex.quote(f) for f in files),
            f"--reps {exp.replications} --seed {exp.seed} --years {years:.6g}",
            f"--out {shlex.quote(str(c.run.out_dir))}",
        ]
    )


def _scenario_rows(c: Comparison) -> list[list[str]]:
    rows = []
    for sc, f in zip(c.run.experiment.scenarios, c.run.experiment.files, strict=True):
        paths = sorted({iv.path_class.number for iv in sc.interventions})
        spend = c.values[sc.name]["intervention_cost_total"].median()
        rows.append(
            [
                f"**{sc.name}**",
                f"`{f}`" if f else "(built in code)",
                " ".join((sc.description or "").split()) or "—",
                ", ".join(map(str, paths)) if paths else "none",
                ", ".join(f"{s.kind} (week {s.week})" for s in sc.build_shocks()) or "none",
                fmt(float(spend)),
            ]
        )
    return rows


def _headline(c: Comparison, outcomes: tuple[str, ...]) -> list[str]:
    base, others = c.order[0], c.order[1:]
    t = c.table.set_index(["outcome", "scenario"])
    header = ["outcome", "unit", f"{base}: median [5–95%]"]
    for o in others:
        header += [f"{o}: median [5–95%]", f"{o} − {base}: mean [90% interval]"]
    rows = []
    for name in outcomes:
        row = [name.replace("_", " "), OUTCOME_BY_NAME[name].unit, _band(t.loc[(name, base)])]
        for o in others:
            row += [_band(t.loc[(name, o)]), _diff(t.loc[(name, o)])]
        rows.append(row)
    return md_table(header, rows)


def _brief(c: Comparison, outcomes: tuple[str, ...]) -> list[str]:
    base = c.order[0]
    exp = c.run.experiment
    lines = [
        f"Each scenario was run **{exp.replications} times** for {exp.weeks} weeks "
        f"({exp.weeks / 52:.3g} years) from the same seeds (common random numbers, root seed "
        f"{exp.seed}): replication *i* of every scenario is the same town with the same "
        f"chance events until the scenarios' differences take effect. Differences are paired "
        f"by replication and shown with {LEVEL:.0%} intervals; ▲/▼ mark differences whose "
        "interval excludes zero.",
        "",
    ]
    for other in c.order[1:]:
        rows = c.table[(c.table["scenario"] == other) & c.table["outcome"].isin(outcomes)]
        clear = rows[rows["distinguishable"]]
        spend = (
            c.values[other]["intervention_cost_total"].median()
            - c.values[base]["intervention_cost_total"].median()
        )
        parts = [
            f"{r['outcome'].replace('_', ' ')} {signed(r['diff_mean'])} "
            f"({signed(r['diff_lo'])} to {signed(r['diff_hi'])})"
            for _, r in clear.iterrows()
        ]
        text = (
            f"- **{other}** against {base}: {len(clear)} of {len(rows)} key outcomes differ "
            f"clearly in the final year"
        )
        text += ": " + "; ".join(parts) + "." if parts else "."
        if spend > 0:
            text += f" It spends {fmt(float(spend))} yen more on interventions over the horizon."
        lines.append(text)
    return lines


def _pairing_gain(c: Comparison, outcomes: tuple[str, ...]) -> str:
    rows = c.table[c.table["scenario"].isin(c.order[1:]) & c.table["outcome"].isin(outcomes)]
    paired = rows["diff_hi"] - rows["diff_lo"]
    unpaired = rows["unpaired_hi"] - rows["unpaired_lo"]
    ratio = (paired / unpaired).replace([np.inf, -np.inf], np.nan).dropna()
    if ratio.empty:
        return ""
    return (
        f"On the key outcomes the paired intervals are a median {float(ratio.median()):.0%} of "
        "the width of unpaired (Welch) intervals from the same runs "
        "(`unpaired_lo`/`unpaired_hi` in `comparison.csv`)."
    )


def _difference_text(r: pd.Series) -> str:
    """'+1.09 percentage points', '+0.164 (0-1 scale)', '+2.2 ties/resident'."""
    d, per = r["difference"], r["per"]
    if per == "percentage point":
        return f"{signed(d)} percentage point{'' if abs(d) == 1 else 's'}"
    if per == "0.01":
        return f"{signed(d / 100)} (0-1 scale)"
    return f"{signed(d)} {per}"


def _cost_text(r: pd.Series) -> str:
    """Yen per unit in the direction the outcome moved: '66,018 yen per percentage point
    less [54,381 - 83,947]' rather than a negative price."""
    unit = " per ".join(
        part[:-1] if i == 0 and part.endswith("s") and part != "NPOs" else part
        for i, part in enumerate(r["per"].split("/"))
    )  # "ties/resident" -> "tie per resident", "residents" -> "resident"
    way = "more" if r["difference"] > 0 else "less"
    lo, hi = sorted((abs(r["yen_per_unit_lo"]), abs(r["yen_per_unit_hi"])))
    return f"{fmt(abs(r['yen_per_unit']))} yen per {unit} {way} [{fmt(lo)} – {fmt(hi)}]"


def _aim(r: pd.Series, aims: dict[str, int]) -> str:
    if r["outcome"] not in aims:
        return ""
    if np.sign(r["difference"]) != aims[r["outcome"]]:
        return " (a path's aim, moved the other way)"
    return " (a path's aim)"


def _costs(c: Comparison, outcomes: tuple[str, ...]) -> list[str]:
    if c.costs.empty:
        return [
            "No compared scenario spends more on interventions than the reference, or none "
            "of its differences is distinguishable from zero, so there is no cost per unit."
        ]
    lines = [
        "Extra intervention spend over the whole horizon (paired, mean) divided by the mean "
        f"final-year difference, with a paired bootstrap {LEVEL:.0%} interval; for the key "
        "outcomes and the indicators the scenario's paths aim at, where the difference is "
        "distinguishable from zero (all such outcomes are in `costs.csv`).",
        "",
    ]
    by_name = {sc.name: sc for sc in c.run.experiment.scenarios}
    for other in c.order[1:]:
        rows = c.costs[c.costs["scenario"] == other]
        if rows.empty:
            continue
        aims = {
            iv.path_class.indicator: iv.path_class.direction for iv in by_name[other].interventions
        }
        shown = rows[rows["outcome"].isin(set(outcomes) | set(aims))]
        if shown.empty:
            continue
        lines.append(f"**{other}** (extra spend {fmt(float(rows['extra_cost_yen'].iloc[0]))} yen)")
        lines.append("")
        lines += md_table(
            ["outcome", "difference", f"yen per unit of difference [{LEVEL:.0%} interval]"],
            [
                [
                    r["outcome"].replace("_", " ") + _aim(r, aims),
                    _difference_text(r),
                    _cost_text(r),
                ]
                for _, r in shown.iterrows()
            ],
        )
        lines.append("")
    return lines


def _challenges(c: Comparison) -> list[str]:
    base, others = c.order[0], c.order[1:]
    t = c.table.set_index(["outcome", "scenario"])
    header = ["#", "agent", "indicator", "unit", f"{base}: median"]
    header += [f"{o} − {base} [90%]" for o in others]
    rows = []
    for ch in CHALLENGES:
        if (ch.outcome, base) not in t.index:
            continue
        row = [
            str(ch.number),
            ch.agent,
            ch.indicator,
            ch.unit,
            fmt(t.loc[(ch.outcome, base)]["median"]),
        ]
        row += [_diff(t.loc[(ch.outcome, o)]) for o in others]
        rows.append(row)
    return md_table(header, rows)


def _runs(c: Comparison) -> list[str]:
    m = c.run.manifest
    runs = m["runs"]
    done = sum(r["status"] == "done" for r in runs)
    lines = [
        f"{done} of {len(runs)} runs finished ({c.run.reused} read back from an earlier, "
        f"interrupted or shorter command in this folder), {m['failures']} failed; "
        f"wall time {c.run.wall_seconds:.1f} s on {m['executor']['kind']}"
        + (f" ({m['executor'].get('workers')} workers)." if "workers" in m["executor"] else ".")
    ]
    for r in runs:
        if r["status"] == "failed":
            lines.append(f"- failed: {r['scenario']} #{r['replication']}: {r['error']} "
                         f"(`{r['failure']}`); rerun the command to retry it")  # fmt: skip
    return lines


def render_markdown(c: Comparison, figures: dict[str, Path]) -> str:
    exp = c.run.experiment
    outcomes = key_outcomes({name: c.run.frames(name) for name in c.order})
    prov = c.run.manifest["provenance"]
    year = int(np.ceil(exp.weeks / 52))
    rel = {name: path.relative_to(c.run.out_dir).as_posix() for name, path in figures.items()}
    lines = [
        f"# Comparison: {c.order[0]} against {', '.join(c.order[1:])}",
        "",
        f"*kizuna {prov['kizuna']} (commit {str(prov['git']['commit'])[:10]}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC*",
        "",
        "## In brief",
        "",
        *_brief(c, outcomes),
        "",
        "## Scenarios",
        "",
        *md_table(
            ["scenario", "file", "what it is", "paths", "shocks", "intervention yen (horizon)"],
            _scenario_rows(c),
        ),
        "",
        f"## Key outcomes in year {year}",
        "",
        "A rate or a count of people is its value in the year's last week; a flow is summed "
        "over the year. Median and 5–95% band over replications; the difference is the mean "
        f"of paired differences with its {LEVEL:.0%} interval. Every outcome is in "
        "`comparison.csv`.",
        "",
        *_headline(c, outcomes),
        "",
    ]
    for name in ("differences", "differences_over_time"):
        if name in rel:
            lines += [f"![{FIGURE_TITLES[name]}]({rel[name]})", ""]
    lines += ["## Over time", ""]
    for name, path in rel.items():
        if name.startswith("fan_"):
            lines += [f"![{FIGURE_TITLES.get(name, name)}]({path})", ""]
    lines += ["## Cost per unit of outcome", "", *_costs(c, outcomes), ""]
    lines += ["## The report's 24 challenges", "", *_challenges(c), ""]
    lines += ["## Runs", "", *_runs(c), ""]
    lines += [
        "## Method",
        "",
        f"Paired differences x_i(scenario) − x_i({c.order[0]}) over replications i with the "
        f"same seed; interval: Student's t on their mean. {_pairing_gain(c, outcomes)} "
        "Cost per unit: mean extra spend over the horizon / mean final-year difference.",
        "",
        "## Reproduce",
        "",
        "```sh",
        _command(c),
        "```",
        "",
        f"kizuna {prov['kizuna']}, commit {prov['git']['commit']}"
        + (" (with local changes)" if prov["git"].get("dirty") else "")
        + f"; Python {prov['python']}, Mesa {prov['mesa']}, NumPy {prov['numpy']}; host "
        f"{prov['host']}. Seeds, scenario hashes and per-run timings are in `manifest.json`; "
        "`experiments.load(DIR)` reads every run into pandas.",
        "",
    ]
    return "\n".join(lines)


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; vertical-align: top; }
th { background: #f3f3f3; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
code, pre { background: #f6f6f6; }
pre { padding: 0.6em; overflow-x: auto; }
"""


def render_html(text: str, root: Path) -> str:
    """The Markdown as a standalone page, every figure inlined as a data URI."""
    body = markdown.markdown(text, extensions=["tables", "fenced_code"])

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode((root / html.unescape(match.group(1))).read_bytes()).decode()
        return f'src="data:image/png;base64,{data}"'

    body = re.sub(r'src="([^"]+\.png)"', inline, body)
    title = html.escape(text.splitlines()[0].lstrip("# "))
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n"
        "</body>\n</html>\n"
    )


def write_report(c: Comparison, figures: dict[str, Path]) -> tuple[Path, Path]:
    root = c.run.out_dir
    text = render_markdown(c, figures)
    page = render_html(text, root)
    md, htm = root / "report.md", root / "report.html"
    write_text(text, md)
    write_text(page, htm)
    return md, htm
