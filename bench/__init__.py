"""postdeploy's benchmarks: ``python -m bench`` (``make bench``). Measurements, not tests."""
