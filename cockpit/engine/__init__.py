"""One cycle of the cockpit against the store.

- :mod:`cockpit.engine.schedule`: when monitors run; :mod:`cockpit.engine.runner`: running them
  over their windows; :mod:`cockpit.engine.slos`: SLO state; :mod:`cockpit.engine.health`:
  which monitors are broken or stale;
- :mod:`cockpit.engine.alerts`: a cycle's SLO state into alert episodes and the messages they
  cause, in one transaction;
- :mod:`cockpit.engine.actions`: actions fired within their guards, watched, escalated;
- :mod:`cockpit.engine.notify`: what the configured notifiers make of a notice, queued;
- :mod:`cockpit.engine.deliver`: the outbox delivered, sink by sink, with retries;
- :mod:`cockpit.engine.incidents`: the timeline lines the engine and the operators' writes add;
- :mod:`cockpit.engine.cycle`: all of it at one moment (``run-once``), or over history.

The decisions are pure (:mod:`alerting`, :mod:`slo`); these modules read what they need and
write the outcome through the store's repositories.
"""
