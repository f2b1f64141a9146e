"""The web UI at ``/``: its router (``routes``), the cookie session with its CSRF tokens
(``session``), the view models the templates render (``views``), HTML rendering and headers
(``render``). Templates and static files live in ``unimedia/templates`` and
``unimedia/static``."""
