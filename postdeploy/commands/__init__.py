"""The command line's subcommands, one module each; ``postdeploy.cli`` only wires them.

These are the top of the flow: a command builds a :class:`~postdeploy.config.Config`,
starts what it needs (a target, a stage, the runner), prints, and maps the answer to an
exit code (:class:`~postdeploy.commands.common.ExitCode`). Nothing below this package
imports from it.
"""
