"""The sinks the cockpit ships with: importing this module registers them."""

from alerting.sinks import alertmanager, pagerduty, slack, webhook

BUILTIN = (slack.SINK, alertmanager.SINK, pagerduty.SINK, webhook.SINK)
