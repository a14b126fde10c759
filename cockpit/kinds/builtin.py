"""The kinds the cockpit ships with: importing this module registers them."""

from cockpit.kinds import canary, data_quality, drift, prediction_quality, system

BUILTIN = (data_quality.KIND, drift.KIND, prediction_quality.KIND, system.KIND, canary.KIND)
