"""Running kizuna: scenario files, replications, stores, summaries, figures and the CLI."""
