"""The cockpit and the stack teams already run: OpenSLO in and out, Prometheus rules in Sloth's
shape, Grafana dashboards. Each module turns a loaded config into text another tool reads (or,
for OpenSLO, reads such text back into a cockpit config)."""
