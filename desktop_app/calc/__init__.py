"""Exact answers to questions that are only arithmetic or a unit conversion (no model needed)."""

from desktop_app.calc.questions import Calculation, calculate

__all__ = ["Calculation", "calculate"]
