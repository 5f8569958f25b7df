"""Running kizuna: scenario files, replications, stores, comparisons, reports and the CLI.

``experiments.load(DIR)`` reads an output folder back into pandas.
"""

from experiments.load import load

__all__ = ["load"]
