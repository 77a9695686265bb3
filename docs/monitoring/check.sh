#!/usr/bin/env bash
# Checks the monitoring assets with Prometheus' own tool (Debian: apt-get install prometheus):
# the alert rules parse and pass their unit tests, and every query of the Grafana dashboard parses.
set -euo pipefail
cd "$(dirname "$0")"
promtool check rules prometheus-alerts.yml
promtool test rules prometheus-alerts-test.yml
# The dashboard's queries, with Grafana's variables filled in, as recording rules promtool can parse.
rules="$(mktemp --suffix=.yml)"
trap 'rm -f "$rules"' EXIT
python3 - "$rules" <<'PY'
import json, sys
dashboard = json.load(open("grafana-dashboard.json"))
with open(sys.argv[1], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = (target["expr"].replace("$__rate_interval", "1m").replace("$job", "gw")
                    .replace("$client", "orders"))
            out.write("      - record: dashboard:%s:%s\n        expr: %s\n"
                      % (panel["id"], target["refId"], json.dumps(expr)))
PY
promtool check rules "$rules"
