"""Local runs: the runner, each run's process and its on-disk record."""
