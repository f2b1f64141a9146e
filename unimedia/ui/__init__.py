"""The web UI's building blocks: the cookie session with its CSRF tokens (``session``),
the view models the templates render (``views``), HTML rendering and headers (``render``).
The routes themselves are in :mod:`unimedia.api.ui`."""
