"""HTTP routers: ``v2`` (the unified media API), ``auth`` (login), ``ops`` (health,
readiness, version). Legacy ``v1``, the web UI and metrics will join them here."""
