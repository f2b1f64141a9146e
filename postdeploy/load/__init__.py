"""Running the load test (Locust, in its own process) and reading back every sample."""
