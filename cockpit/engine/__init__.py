"""One cycle against the store: alert decisions applied, actions fired and watched, the outbox
delivered, incidents' timelines kept.

- :mod:`cockpit.engine.alerts`: a cycle's SLO state into alert episodes and the messages they
  cause, in one transaction;
- :mod:`cockpit.engine.actions`: actions fired within their guards, watched, escalated;
- :mod:`cockpit.engine.notify`: what the configured notifiers make of a notice, queued;
- :mod:`cockpit.engine.deliver`: the outbox delivered, sink by sink, with retries;
- :mod:`cockpit.engine.incidents`: the timeline lines the engine and the operators' writes add.

The decisions are pure (:mod:`alerting`); these modules read what they need and write the
outcome through the store's repositories.
"""
