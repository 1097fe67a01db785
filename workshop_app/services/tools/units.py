"""Conversion between common units of length, mass, volume and temperature, for the units tool."""

from __future__ import annotations

from workshop_app.services.tools.calculator import format_number
from workshop_app.services.tools.errors import ToolFailed

# Factor to the quantity's base unit (metre, kilogram, litre).
_FACTORS: dict[str, dict[str, float]] = {
    "length": {
        "mm": 0.001,
        "cm": 0.01,
        "m": 1.0,
        "km": 1000.0,
        "in": 0.0254,
        "ft": 0.3048,
        "yd": 0.9144,
        "mi": 1609.344,
        "nmi": 1852.0,
    },
    "mass": {
        "mg": 1e-6,
        "g": 0.001,
        "kg": 1.0,
        "t": 1000.0,
        "oz": 0.028349523125,
        "lb": 0.45359237,
        "st": 6.35029318,
    },
    "volume": {
        "ml": 0.001,
        "cl": 0.01,
        "dl": 0.1,
        "l": 1.0,
        "m3": 1000.0,
        "tsp": 0.00492892159375,
        "tbsp": 0.01478676478125,
        "fl_oz": 0.0295735295625,
        "cup": 0.2365882365,
        "pt": 0.473176473,
        "qt": 0.946352946,
        "gal": 3.785411784,
    },
}
_TEMPERATURES = ("C", "F", "K")

UNITS: list[str] = [unit for factors in _FACTORS.values() for unit in factors] + list(_TEMPERATURES)
"""Every unit understood (US customary for cups, pints, quarts, gallons and fluid ounces)."""


def convert(value: float, from_unit: str, to_unit: str) -> str:
    """'`value` `from_unit` = result `to_unit`', or ToolFailed naming the unit or the mismatch."""
    source, target = _quantity(from_unit), _quantity(to_unit)
    if source != target:
        raise ToolFailed(f"Cannot convert {source} ({from_unit}) to {target} ({to_unit}).")
    if source == "temperature":
        result = _from_kelvin(_to_kelvin(value, from_unit), to_unit)
    else:
        result = value * _FACTORS[source][from_unit] / _FACTORS[source][to_unit]
    return f"{format_number(value)} {from_unit} = {format_number(result)} {to_unit}"


def _quantity(unit: str) -> str:
    if unit in _TEMPERATURES:
        return "temperature"
    for quantity, factors in _FACTORS.items():
        if unit in factors:
            return quantity
    raise ToolFailed(f"Unknown unit {unit!r}; known units: {', '.join(UNITS)}.")


def _to_kelvin(value: float, unit: str) -> float:
    kelvin = {"C": value + 273.15, "F": (value - 32) * 5 / 9 + 273.15, "K": value}[unit]
    if kelvin < 0:
        raise ToolFailed(f"{format_number(value)} {unit} is below absolute zero.")
    return kelvin


def _from_kelvin(kelvin: float, unit: str) -> float:
    return {"C": kelvin - 273.15, "F": (kelvin - 273.15) * 9 / 5 + 32, "K": kelvin}[unit]
