"""One cycle of the cockpit: when monitors run (``schedule``), running them (``runner``), SLO
state (``slos``), monitor health (``health``), and applying alert decisions, actions, delivery
and incidents."""
