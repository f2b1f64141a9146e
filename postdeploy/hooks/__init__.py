"""Decision hooks: the command a team runs when a verdict is GO, NO_GO or INCONCLUSIVE.

The verdict *feeds* the decision (roll back, promote, page someone) instead of only being
printed. Hooks run after every report is written, so a hook can read them; they never
change the decision or the exit code.
"""

from __future__ import annotations

from postdeploy.hooks.decision import HookOutcome, hook_environment, run_decision_hook

__all__ = ["HookOutcome", "hook_environment", "run_decision_hook"]
