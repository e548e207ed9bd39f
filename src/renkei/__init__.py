"""Renkei: Japan's bilateral decarbonisation finance (JCM Model Project, C3P), rules to credits."""

__version__ = "0.1.0"
