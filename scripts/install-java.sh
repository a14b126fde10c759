#!/usr/bin/env sh
# Java 17 for the local Spark Connect server of the Spark tests (tests/spark_server.py), when
# the machine has no java. Debian's package; idempotent. Run as root (apt-get).
set -eu
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless
fi
