"""What the checks in ``suites/``, ``e2e/`` and ``security/`` import: the toolkit.

* :func:`fails_as` and the ``gate`` marker's :class:`GateTag` — what a failure means
  (:mod:`postdeploy.checks.gate_tags`);
* the unified and legacy APIs as a check uses them (:mod:`.media_api`, :mod:`.legacy_api`),
  synthetic media (:mod:`.sample_files`), UI logins (:mod:`.web_login`);
* evidence a failing check leaves (:mod:`.evidence`, :mod:`.artifacts`,
  :mod:`.browser_evidence`), the browser (:mod:`.browser`), web and TLS inspection
  (:mod:`.websec`, :mod:`.tls`).

Only the first is re-exported here; import the others from their modules.
"""

from __future__ import annotations

from postdeploy.checks.gate_tags import DEFAULT_GATE, GateTag, fails_as, gate_tag_of

__all__ = ["DEFAULT_GATE", "GateTag", "fails_as", "gate_tag_of"]
