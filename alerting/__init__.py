"""Alerts from SLO state: lifecycle, Slack notifications, retrain and rollback webhooks."""
