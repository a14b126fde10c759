"""SLO math: error budgets, burn rates and alert rules. Pure: time is always passed in."""
