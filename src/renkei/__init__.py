"""Renkei: Japan's bilateral decarbonisation finance (JCM Model Project and C3P), rules to credits."""

__version__ = "0.1.0"
