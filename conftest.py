"""Load the postdeploy pytest plugin for every suite in this repository.

Also registered as a ``pytest11`` entry point once the package is installed; both use the
same plugin name, so pytest loads it once.
"""

pytest_plugins = ["postdeploy.pytest.plugin"]
