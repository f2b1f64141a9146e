"""ZAP integration: the rules file, a deadline-bounded client, the scan, and a stand-in.

    rules.py    security/zap-rules.tsv (the zap-baseline ``-c`` format) → RuleSet
    alerts.py   ZAP's alert JSON → ZapAlert; grouping alerts by rule
    client.py   ZapClient: the official ``zapv2`` client, every call under a deadline,
                every failure turned into one clear ScannerError
    scan.py     run_scan(): OpenAPI import + spider + passive drain (+ opt-in active scan)
    standin.py  a *test double* of ZAP's JSON API (ZAP itself cannot be installed here)

``zapv2`` is imported lazily (in client.py) so the rest of postdeploy works without the
``[security]`` extra.
"""
