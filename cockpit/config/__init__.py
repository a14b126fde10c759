"""Monitoring as code: the ``cockpit/v1`` YAML, validated into pydantic models.

- :mod:`cockpit.config.loader`: ``load_config(path)`` returns a ``Config`` or raises
  ``ConfigError`` carrying every problem found, each as ``FILE:LINE: PATH: message``;
- :mod:`cockpit.config.models`: the models (``Config``, ``Service``, ``SLO``, ...), a service's
  monitors being every registered kind's (:mod:`cockpit.kinds`);
- :mod:`cockpit.config.sources`: where a service's data lives;
- :mod:`cockpit.config.base`: what every model is made of (and the schedule every monitor
  kind shares), imported by the kinds;
- :mod:`cockpit.config.checks`: what a config means; :mod:`cockpit.config.yamlmap`: lines.

This file imports nothing, so a kind can use :mod:`cockpit.config.base` without pulling in the
models that are built from the kinds. The keys are a public contract; see README.md.
"""
