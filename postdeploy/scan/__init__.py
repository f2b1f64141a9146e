"""Wapiti: the vulnerability scan the security stage runs when no ZAP is configured.

    install.py        where Wapiti is: its own virtual environment (tools/wapiti/), or PATH
    policy.py         what the scan may do to a target: modules, scope, time (production safety)
    openapi.py        the target's OpenAPI document, cut to the operations the scan may send
    session.py        logging in as a test account: the API's bearer token, the UI's cookie
    command.py        the ``wapiti`` command line for a plan
    report.py         Wapiti's JSON report → WapitiAlert values
    judge.py          alerts + the rules file (security/wapiti-rules.tsv) → findings, checks
    run.py            run_wapiti(): one bounded Wapiti process; its report and log, scrubbed
    wapiti_plugin.py  runs *inside* Wapiti (``--form-script``): hands it the session

Wapiti runs as a separate program from its own environment: ``wapiti3`` pins its
dependencies exactly and cannot share postdeploy's (docs/dependencies.md). Nothing here
imports it. The stage that uses this package is :mod:`postdeploy.stages.wapiti`.
"""
