"""Load the postdeploy pytest plugin for every suite in this repository.

Also registered as a ``pytest11`` entry point once the package is installed (for projects
of users that keep autoloading on); both use the same plugin name, so pytest loads it once.
"""

from importlib.util import find_spec

#: pyproject.toml turns entry-point autoloading off and names the plugins every run needs;
#: pytest-rerunfailures (the ``ui`` extra: the e2e stage's one retry of a timeout) is loaded
#: here only where it is installed, since ``-p`` of a missing plugin is an error.
pytest_plugins = [
    "postdeploy.pytest.plugin",
    *(["pytest_rerunfailures"] if find_spec("pytest_rerunfailures") else []),
]
