"""`kizuna discover`: scenario discovery on a finished sweep with PRIM (EMA Workbench).

A sweep tells how much each input matters on average; discovery asks the policy
question the other way round: *which combinations of inputs* lead to an outcome below
(or above) a threshold T. PRIM peels the input space down to one box of limits that
holds most of those cases of interest (coverage) and few others (density).

Written into ``DIR/discovery/`` (STEM is ``<outcome>_<below|above>_<T>``):
    trajectory_STEM.csv   every box on PRIM's peeling and pasting trajectory
    box_STEM.csv          the chosen box: one row per restricted input
    discovery_STEM.png    coverage-density trade-off, and the chosen box's limits
"""

from __future__ import annotations

import argparse
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm

from experiments.errors import InputError, suggest
from experiments.store import save_figure, write_csv

MIN_POINTS = 10  # fewer points than this and PRIM's 5% peels are single points
DEFAULT_DENSITY = 0.8  # Bryant & Lempert's usual bar: 4 in 5 points in the box are cases
PEEL_ALPHA = 0.05  # EMA Workbench's default: small peels give a fine trajectory
PASTE_ALPHA = 0.05
MASS_MIN = 0.05  # a box holding under 5% of the points is too small to trust

Direction = Literal["below", "above"]


@dataclass(frozen=True)
class Discovery:
    """What `discover` found and where it wrote it."""

    dir: Path
    outcome: str
    direction: Direction
    threshold: float
    density_threshold: float
    points: int  # sample points with a value of the outcome (those analysed)
    dropped: int  # sample points without any value of the outcome
    cases: int  # points whose outcome is below (above) the threshold
    trajectory: pd.DataFrame  # box, coverage, density, mass, restricted_dims, ...
    box: pd.DataFrame  # input, lower, upper, range_lower, range_upper, qp_lower, qp_upper
    chosen: int  # id of the chosen box on the trajectory
    meets_density: bool  # False: no box is dense enough, the last (densest) one is shown
    trajectory_path: Path
    box_path: Path
    figure_path: Path

    @property
    def coverage(self) -> float:
        return float(self.trajectory.loc[self.chosen, "coverage"])

    @property
    def density(self) -> float:
        return float(self.trajectory.loc[self.chosen, "density"])

    @property
    def mass(self) -> float:
        return float(self.trajectory.loc[self.chosen, "mass"])


# --- reading a sweep folder ---------------------------------------------------------------


def _read_csv(path: Path, folder: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(str(folder), path.name, f"not a readable CSV table: {message}") from None


def _read_sweep(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """samples (indexed by point, float inputs) and outputs (point, replication, outcomes)."""
    if not folder.is_dir():
        raise InputError(str(folder), "DIR", "not a folder; give a `kizuna sweep` output folder")
    for name in ("samples.csv", "outputs.csv"):
        if not (folder / name).is_file():
            raise InputError(
                str(folder), name, "not a sweep folder (a `kizuna sweep` output folder "
                "holds samples.csv and outputs.csv)",
            )  # fmt: skip
    samples = _read_csv(folder / "samples.csv", folder)
    outputs = _read_csv(folder / "outputs.csv", folder)
    for name, table in (("samples.csv", samples), ("outputs.csv", outputs)):
        if "point" not in table.columns:
            raise InputError(str(folder / name), "point", "no 'point' column")
    if samples["point"].duplicated().any():
        raise InputError(str(folder / "samples.csv"), "point", "a sample point appears twice")
    inputs = [c for c in samples.columns if c != "point"]
    if not inputs:
        raise InputError(str(folder / "samples.csv"), "(columns)", "no input columns")
    bad = [c for c in inputs if not pd.api.types.is_numeric_dtype(samples[c])]
    if bad:
        raise InputError(
            str(folder / "samples.csv"), bad[0], "inputs must be numbers (model units)"
        )
    return samples.set_index("point")[inputs].astype(float), outputs


def _outcome_by_point(outputs: pd.DataFrame, outcome: str, source: str) -> pd.Series:
    """Mean over a point's replications, NaN ones ignored; points with no value dropped."""
    allowed = [c for c in outputs.columns if c not in ("point", "replication")]
    if outcome not in allowed:
        raise InputError(
            source, "--outcome", f"unknown outcome {outcome!r}{suggest(outcome, allowed)}; "
            f"allowed: {', '.join(allowed) or '(none: the sweep analysed no outcome)'}",
        )  # fmt: skip
    try:
        values = pd.to_numeric(outputs[outcome])
    except (ValueError, TypeError):
        raise InputError(source, outcome, "holds values that are not numbers") from None
    return values.groupby(outputs["point"]).mean()


def _file_number(value: float) -> str:
    """The threshold as it appears in file names: shortest exact form, no exponent."""
    return np.format_float_positional(value, trim="-")


def _file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


# --- PRIM -----------------------------------------------------------------------------------


def _prim_module():
    """EMA Workbench's PRIM, imported only when needed (the package takes seconds to
    import) and without its import-time noise (no ipyparallel, no altair) on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    return prim


def _choose(trajectory: pd.DataFrame, density: float) -> tuple[int, bool]:
    """The box covering most cases among those dense enough (ties: denser, then simpler);
    the last box, PRIM's densest, when none is dense enough."""
    dense = trajectory[trajectory["density"] >= density - 1e-12]
    if dense.empty:
        return int(trajectory["box"].iloc[-1]), False
    ranked = dense.sort_values(
        ["coverage", "density", "restricted_dims", "box"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return int(ranked["box"].iloc[0]), True


def _run_prim(
    x: pd.DataFrame, y: np.ndarray, peel_alpha: float, mass_min: float
) -> tuple[pd.DataFrame, object]:
    prim = _prim_module()
    with warnings.catch_warnings():
        # EMA Workbench's own pandas deprecations: nothing a user can act on
        warnings.simplefilter("ignore")
        box = prim.Prim(
            x, y, peel_alpha=peel_alpha, paste_alpha=PASTE_ALPHA, mass_min=mass_min
        ).find_box()
    t = box.peeling_trajectory
    trajectory = pd.DataFrame(
        {
            "box": t["id"].astype(int),
            "coverage": t["coverage"].astype(float),
            "density": t["density"].astype(float),
            "mass": t["mass"].astype(float),
            "restricted_dims": t["res_dim"].astype(int),
            "points": t["n"].astype(int),
            "cases": t["k"].astype(int),
        }
    ).reset_index(drop=True)
    return trajectory, box


def _box_table(box: object, chosen: int, x: pd.DataFrame) -> pd.DataFrame:
    """One row per input the chosen box restricts, with the sampled range beside it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, limits = box.inspect(chosen, style="data")[0]  # type: ignore[attr-defined]
    rows = []
    for name in limits.index:
        lower, upper, qp_lower, qp_upper = (float(v) for v in limits.loc[name].to_numpy())
        rows.append(
            {
                "input": str(name),
                "lower": lower,
                "upper": upper,
                "range_lower": float(x[name].min()),
                "range_upper": float(x[name].max()),
                "qp_lower": qp_lower,  # quasi-p of the lower limit; empty: not restricted
                "qp_upper": qp_upper,
            }
        )
    order = {name: i for i, name in enumerate(x.columns)}
    columns = ["input", "lower", "upper", "range_lower", "range_upper", "qp_lower", "qp_upper"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("input", key=lambda s: s.map(order)).reset_index(drop=True)


# --- the figure ------------------------------------------------------------------------------


def _figure(d: Discovery):
    t = d.trajectory
    n_box = len(d.box)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11.5, max(4.0, 0.45 * n_box + 2.2)), width_ratios=[1, 1.15]
    )
    top = int(t["restricted_dims"].max())
    bounds = np.arange(-0.5, top + 1.5)
    cmap = plt.get_cmap("viridis", len(bounds) - 1)
    norm = BoundaryNorm(bounds, cmap.N)
    dots = left.scatter(t["coverage"], t["density"], c=t["restricted_dims"], cmap=cmap,
                        norm=norm, s=22, zorder=3)  # fmt: skip
    bar = fig.colorbar(dots, ax=left, ticks=np.arange(top + 1))
    bar.set_label("restricted inputs")
    pick = t.loc[d.chosen]
    left.scatter([pick["coverage"]], [pick["density"]], s=180, facecolors="none",
                 edgecolors="crimson", linewidths=2, zorder=4,
                 label=f"chosen: box {d.chosen}")  # fmt: skip
    left.axhline(d.density_threshold, color="grey", ls="--", lw=0.8,
                 label=f"density threshold {d.density_threshold:g}")  # fmt: skip
    left.set_xlabel("coverage (share of all cases of interest inside the box)")
    left.set_ylabel("density (share of the box that are cases)")
    left.set_xlim(-0.02, 1.02)
    left.set_ylim(-0.02, 1.02)
    left.grid(alpha=0.3)
    left.legend(fontsize=8, loc="lower left")
    left.set_title("peeling trajectory", fontsize=10)

    if n_box:
        y = np.arange(n_box)
        span = (d.box["range_upper"] - d.box["range_lower"]).replace(0, np.nan)
        lo = ((d.box["lower"] - d.box["range_lower"]) / span).fillna(0).to_numpy()
        hi = ((d.box["upper"] - d.box["range_lower"]) / span).fillna(1).to_numpy()
        right.barh(y, np.ones(n_box), color="lightgrey", height=0.6, label="sampled range")
        right.barh(y, hi - lo, left=lo, color="tab:blue", height=0.6, label="box limits")
        for i, row in d.box.iterrows():
            right.text(lo[i] - 0.01, i, f"{row['lower']:.3g}", ha="right", va="center",
                       fontsize=7)  # fmt: skip
            right.text(hi[i] + 0.01, i, f"{row['upper']:.3g}", ha="left", va="center",
                       fontsize=7)  # fmt: skip
        qp = d.box[["qp_lower", "qp_upper"]].max(axis=1)  # the restricted side(s)
        names = [f"{n}\n(qp {q:.2g})" for n, q in zip(d.box["input"], qp, strict=True)]
        right.set_yticks(y, names, fontsize=8)
        right.invert_yaxis()
        right.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2)
    else:
        right.set_yticks([])
        right.text(0.5, 0.5, "no input restricted:\nthe cases of interest are everywhere",
                   ha="center", va="center", fontsize=9)  # fmt: skip
    right.set_xlim(-0.15, 1.15)
    right.set_xlabel("position in the sampled range (0 = lowest, 1 = highest)")
    right.set_title(
        f"box {d.chosen}: coverage {d.coverage:.2f}, density {d.density:.2f}"
        + ("" if d.meets_density else " (none reaches the threshold)"),
        fontsize=10,
        loc="left",
    )
    fig.suptitle(
        f"{d.outcome} {d.direction} {d.threshold:.10g}: "
        f"{d.cases} of {d.points} sample points are cases of interest",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


# --- the public function ------------------------------------------------------------------


def _check_unit(flag: str, value: float, low: float, high: float, open_low: bool) -> None:
    ok = math.isfinite(value) and (value > low if open_low else value >= low) and value <= high
    if not ok:
        side = "above" if open_low else "at least"
        raise InputError("command line", flag, f"must be {side} {low:g} and at most {high:g}, "
                         f"got {value!r}")  # fmt: skip


def discover(
    dir: str | Path,
    outcome: str,
    *,
    below: float | None = None,
    above: float | None = None,
    density: float = DEFAULT_DENSITY,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> Discovery:
    """Find the box of inputs where ``outcome`` (mean over replications) is strictly below
    ``below`` or above ``above``; write the trajectory, the box and a figure into
    ``DIR/discovery/``. ``density`` is the minimum share of cases of interest in the box:
    the chosen box is the one covering most cases among those at least that dense."""
    folder = Path(dir)
    if (below is None) == (above is None):
        raise InputError("command line", "--below/--above", "give exactly one of them")
    direction: Direction = "below" if below is not None else "above"
    flag = f"--{direction}"
    threshold = float(below if below is not None else above)  # type: ignore[arg-type]
    if not math.isfinite(threshold):
        raise InputError("command line", flag, f"must be a finite number, got {threshold!r}")
    _check_unit("--density", density, 0.0, 1.0, open_low=True)
    _check_unit("peel_alpha", peel_alpha, 0.0, 0.5, open_low=True)
    _check_unit("mass_min", mass_min, 0.0, 1.0, open_low=False)

    samples, outputs = _read_sweep(folder)
    source = str(folder / "outputs.csv")
    by_point = _outcome_by_point(outputs, outcome, source)
    values = by_point.reindex(samples.index).dropna()
    total = len(samples)
    if len(values) < MIN_POINTS:
        raise InputError(
            str(folder), "point", f"only {len(values)} of {total} sample points have a value of "
            f"{outcome!r}; scenario discovery needs at least {MIN_POINTS}",
        )  # fmt: skip
    x = samples.loc[values.index].reset_index(drop=True)
    y = (values < threshold if direction == "below" else values > threshold).to_numpy(bool)
    cases = int(y.sum())
    if cases in (0, len(y)):
        how = "none" if cases == 0 else "all"
        raise InputError(
            source, flag, f"{how} of the {len(y)} sample points have a mean {outcome} "
            f"{direction} {threshold:.10g} (observed {values.min():.4g} to {values.max():.4g}); "
            "PRIM needs points on both sides, so choose a threshold inside that range",
        )  # fmt: skip
    out = folder / "discovery"
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "discovery", "exists and is not a folder")

    trajectory, box = _run_prim(x, y, peel_alpha, mass_min)
    chosen, meets = _choose(trajectory, density)
    trajectory["chosen"] = trajectory["box"] == chosen
    limits = _box_table(box, chosen, x)

    stem = f"{_file_name(outcome)}_{direction}_{_file_number(threshold)}"
    found = Discovery(
        dir=folder,
        outcome=outcome,
        direction=direction,
        threshold=threshold,
        density_threshold=density,
        points=len(values),
        dropped=total - len(values),
        cases=cases,
        trajectory=trajectory,
        box=limits,
        chosen=chosen,
        meets_density=meets,
        trajectory_path=out / f"trajectory_{stem}.csv",
        box_path=out / f"box_{stem}.csv",
        figure_path=out / f"discovery_{stem}.png",
    )
    write_csv(trajectory, found.trajectory_path)
    write_csv(limits, found.box_path)
    fig = _figure(found)
    try:
        save_figure(fig, found.figure_path)
    finally:
        plt.close(fig)
    return found


# --- command line -------------------------------------------------------------------------


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The ``discover`` subcommand; numbers stay text so a bad one is a one-line error."""
    p = subparsers.add_parser(
        "discover",
        help="scenario discovery (PRIM): which inputs of a sweep lead to an outcome "
        "below or above a threshold",
    )
    p.add_argument("dir", metavar="DIR", help="a `kizuna sweep` output folder")
    p.add_argument("--outcome", required=True, help="an outcome column of DIR/outputs.csv")
    side = p.add_mutually_exclusive_group(required=True)
    side.add_argument("--below", metavar="T", help="cases of interest: mean outcome < T")
    side.add_argument("--above", metavar="T", help="cases of interest: mean outcome > T")
    p.add_argument(
        "--density",
        metavar="D",
        help=f"minimum share of cases of interest in the box (default {DEFAULT_DENSITY})",
    )
    return p


def _number(flag: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError("command line", flag, f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise InputError("command line", flag, f"must be a finite number, got {text!r}")
    return value


def _limit(row: pd.Series) -> str:
    name, lower, upper = row["input"], row["lower"], row["upper"]
    if lower > row["range_lower"] and upper < row["range_upper"]:
        text = f"{lower:.4g} <= {name} <= {upper:.4g}"
    elif lower > row["range_lower"]:
        text = f"{name} >= {lower:.4g}"
    else:
        text = f"{name} <= {upper:.4g}"
    qp = row[["qp_lower", "qp_upper"]].astype(float).max()  # NaN: side left unrestricted
    weak = ", not significant at 5%" if qp > 0.05 else ""
    return (
        f"{text}   (sampled {row['range_lower']:.4g} to {row['range_upper']:.4g}; "
        f"quasi-p {qp:.2g}{weak})"
    )


def run_command(args: argparse.Namespace) -> int:
    density = _number("--density", getattr(args, "density", None))
    found = discover(
        args.dir,
        args.outcome,
        below=_number("--below", args.below),
        above=_number("--above", args.above),
        density=DEFAULT_DENSITY if density is None else density,
    )
    dropped = f" ({found.dropped} without a value left out)" if found.dropped else ""
    print(
        f"{found.outcome} {found.direction} {found.threshold:.10g}: {found.cases} of "
        f"{found.points} sample points are cases of interest{dropped}"
    )
    if not found.meets_density:
        print(f"no box reaches density {found.density_threshold:g}; showing the last, densest box")
    print(
        f"box {found.chosen}: coverage {found.coverage:.2f}, density {found.density:.2f}, "
        f"mass {found.mass:.2f}, {len(found.box)} restricted input(s)"
    )
    for _, row in found.box.iterrows():
        print(f"  {_limit(row)}")
    if found.box.empty:
        print("  (no restriction: the cases of interest are spread over the whole sample)")
    for path in (found.trajectory_path, found.box_path, found.figure_path):
        print(f"written: {path}")
    return 0
