#!/usr/bin/env sh
# A real Alertmanager for the Alertmanager-sink test (tests/alerting/sinks/test_alertmanager_real.py).
# Debian's package; idempotent. Run as root (apt-get).
set -eu
if [ ! -x /usr/bin/prometheus-alertmanager ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-alertmanager
fi
