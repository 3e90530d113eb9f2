"""Resurface: training and certification quizzes for laser skin resurfacing technicians."""

__version__ = "0.1.0"
