"""Kibana saved objects shipped with newsmon (data view, saved searches, dashboard)."""
