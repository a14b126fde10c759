"""Monitors: pure functions from DataFrames and a spec to SLI values.

Nothing here touches the store, the network or the clock; the runner in ``cockpit.runner``
reads the data, passes it in and stores what comes back.
"""
