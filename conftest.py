"""Load the postdeploy pytest plugin for every suite in this repository.

Also registered as a ``pytest11`` entry point once the package is installed (for projects
of users that keep autoloading on); both use the same plugin name, so pytest loads it once.
"""

from importlib.util import find_spec

#: pyproject.toml turns entry-point autoloading off and names the plugins every run needs;
#: pytest-rerunfailures (the ``ui`` extra: the e2e stage's one retry of a timeout) is loaded
#: here only where it is installed, since ``-p`` of a missing plugin is an error. It is named
#: by its entry point ("rerunfailures"), not its module: a run that autoloads (another
#: project's configuration, or none) has registered it under that name already, and pluggy
#: refuses the same module under a second name.
pytest_plugins = [
    "postdeploy.pytest.plugin",
    *(["rerunfailures"] if find_spec("pytest_rerunfailures") else []),
]
