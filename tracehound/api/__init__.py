"""Tracehound-native endpoints that belong to no vendor."""
