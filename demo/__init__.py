"""The demo: the sample scenario end to end, and the local CI receiver it calls. Outside the
production package: nothing in cockpit/ imports it but the `cockpit demo` command."""
