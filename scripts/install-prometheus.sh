#!/usr/bin/env sh
# A real Prometheus server for the Prometheus-source test (tests/cockpit/test_prometheus_real.py).
# Debian's package; idempotent. Run as root (apt-get).
set -eu
if [ ! -x /usr/bin/prometheus ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
fi
