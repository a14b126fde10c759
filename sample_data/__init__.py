"""The sample scenario: a seeded generator of two ML services' logs with incidents written in."""
