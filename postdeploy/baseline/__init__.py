"""Baselines: what "as good as the last good release" means, and how to compare with it."""
