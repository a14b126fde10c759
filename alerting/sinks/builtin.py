"""The sinks the cockpit ships with: importing this module registers them."""

from alerting.sinks import slack, webhook

BUILTIN = (slack.SINK, webhook.SINK)
