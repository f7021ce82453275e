"""Units of measure and conversions between them, exact where the definitions are.

Each unit is a factor to its dimension's base unit (metre, kilogram, second, litre, square metre,
byte, metre per second), as the international definitions give it: an inch is exactly 0.0254 m,
a pound exactly 0.45359237 kg. Temperatures are offsets as well as factors. A month is a twelfth
of a 365-day year, so "months in 5 years" is exact and "days in a month" is marked approximate.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction as F


@dataclass(frozen=True)
class Unit:
    """One unit: its dimension, its factor to the base unit, and the names it is written with."""

    singular: str
    plural: str
    dimension: str
    factor: F
    offset: F = F(0)  # temperatures: base = value * factor + offset (kelvin)
    aliases: tuple[str, ...] = ()
    note: str = ""  # said with the answer: how an inexact unit is taken ("a year of 365 days")

    def to_base(self, value: F) -> F:
        return value * self.factor + self.offset

    def from_base(self, value: F) -> F:
        return (value - self.offset) / self.factor

    def name(self, value: F, written: str = "") -> str:
        """The name to write after ``value``: "1 foot", "3 feet", "1/4 kilogram" (as written)."""
        return self.singular if value == 1 or "/" in written else self.plural


def _u(singular, plural, dimension, factor, *aliases, offset=F(0), note=""):
    return Unit(singular, plural, dimension, F(factor), F(offset), tuple(aliases), note)


_UNITS = [
    # length, in metres
    _u("millimetre", "millimetres", "length", "0.001", "millimeter", "millimeters", "mm"),
    _u("centimetre", "centimetres", "length", "0.01", "centimeter", "centimeters", "cm"),
    _u("metre", "metres", "length", 1, "meter", "meters", "m"),
    _u("kilometre", "kilometres", "length", 1000, "kilometer", "kilometers", "km", "kms"),
    _u("inch", "inches", "length", "0.0254"),
    _u("foot", "feet", "length", "0.3048", "ft", "foots"),
    _u("yard", "yards", "length", "0.9144", "yd", "yds"),
    _u("mile", "miles", "length", "1609.344", "mi"),
    _u("nautical mile", "nautical miles", "length", 1852, "nmi"),
    # mass, in kilograms
    _u("milligram", "milligrams", "mass", "0.000001", "mg"),
    _u("gram", "grams", "mass", "0.001", "g", "gramme", "grammes"),
    _u("kilogram", "kilograms", "mass", 1, "kg", "kgs", "kilo", "kilos"),
    _u("tonne", "tonnes", "mass", 1000, "metric ton", "metric tons"),
    _u("ounce", "ounces", "mass", "0.028349523125", "oz"),
    _u("pound", "pounds", "mass", "0.45359237", "lb", "lbs"),
    _u("stone", "stone", "mass", "6.35029318", "stones", "st"),
    # time, in seconds
    _u("millisecond", "milliseconds", "time", "0.001", "ms"),
    _u("second", "seconds", "time", 1, "sec", "secs", "s"),
    _u("minute", "minutes", "time", 60, "min", "mins"),
    _u("hour", "hours", "time", 3600, "hr", "hrs", "h"),
    _u("day", "days", "time", 86400),
    _u("week", "weeks", "time", 604800),
    _u("fortnight", "fortnights", "time", 1209600),
    _u("month", "months", "time", 2628000, note="a month taken as a twelfth of a 365-day year"),
    _u("year", "years", "time", 31536000, "yr", "yrs", note="a year of 365 days"),
    _u("decade", "decades", "time", 315360000),
    _u("century", "centuries", "time", 3153600000),
    # volume, in litres
    _u("millilitre", "millilitres", "volume", "0.001", "milliliter", "milliliters", "ml"),
    _u("centilitre", "centilitres", "volume", "0.01", "centiliter", "centiliters", "cl"),
    _u("litre", "litres", "volume", 1, "liter", "liters", "l"),
    _u("cubic metre", "cubic metres", "volume", 1000, "cubic meter", "cubic meters"),
    _u("US gallon", "US gallons", "volume", "3.785411784", "gallon", "gallons", "gal"),
    _u("imperial gallon", "imperial gallons", "volume", "4.54609", "uk gallon", "uk gallons"),
    _u("US fluid ounce", "US fluid ounces", "volume", "0.0295735295625", "fluid ounce", "fluid ounces", "fl oz"),
    # area, in square metres
    _u("square metre", "square metres", "area", 1, "square meter", "square meters", "m2", "sq m"),
    _u("square kilometre", "square kilometres", "area", 1000000, "square kilometer", "square kilometers", "km2", "sq km"),
    _u("square foot", "square feet", "area", "0.09290304", "sq ft", "ft2"),
    _u("square mile", "square miles", "area", "2589988.110336", "sq mi"),
    _u("hectare", "hectares", "area", 10000, "ha"),
    _u("acre", "acres", "area", "4046.8564224"),
    # data, in bytes: SI prefixes are powers of 1000, the binary ones ("MiB") of 1024
    _u("bit", "bits", "data", "0.125"),
    _u("byte", "bytes", "data", 1),
    _u("kilobyte", "kilobytes", "data", 1000, "kb"),
    _u("megabyte", "megabytes", "data", 10**6, "mb"),
    _u("gigabyte", "gigabytes", "data", 10**9, "gb"),
    _u("terabyte", "terabytes", "data", 10**12, "tb"),
    _u("kibibyte", "kibibytes", "data", 1024, "kib"),
    _u("mebibyte", "mebibytes", "data", 1024**2, "mib"),
    _u("gibibyte", "gibibytes", "data", 1024**3, "gib"),
    _u("tebibyte", "tebibytes", "data", 1024**4, "tib"),
    # speed, in metres per second
    _u("metre per second", "metres per second", "speed", 1, "meters per second", "meter per second", "m/s"),
    _u("kilometre per hour", "kilometres per hour", "speed", F(1000, 3600), "kilometers per hour",
       "kilometer per hour", "km/h", "kmh", "kph"),
    _u("mile per hour", "miles per hour", "speed", F(1609344, 3600000), "mph"),
    _u("knot", "knots", "speed", F(1852, 3600), "kn"),
    # temperature, in kelvin
    _u("degree Celsius", "degrees Celsius", "temperature", 1, "celsius", "centigrade", "°c", "degrees c",
       "degree c", "c", offset="273.15"),
    _u("degree Fahrenheit", "degrees Fahrenheit", "temperature", F(5, 9), "fahrenheit", "°f", "degrees f",
       "degree f", "f", offset=F(45967, 180)),
    _u("kelvin", "kelvin", "temperature", 1, "kelvins", "k", "degrees kelvin"),
]

# Letters that are units only next to a number ("5 m", "100 f"), never alone ("how many m").
SHORT_ONLY = {"m", "g", "s", "h", "l", "c", "f", "k", "st", "kn", "mi", "ha", "kb", "mb", "gb", "tb"}
SYMBOLS = {"°c": "°C", "°f": "°F"}


def _by_name() -> dict[str, Unit]:
    names: dict[str, Unit] = {}
    for unit in _UNITS:
        for name in (unit.singular, unit.plural, *unit.aliases):
            names[name.lower()] = unit
            if name.lower().startswith("degree "):
                names["degrees " + name.lower()[len("degree "):]] = unit
    return names


UNITS = _by_name()
LONGEST_NAME = max(len(name.split()) for name in UNITS)


def find_unit(words: list[str], after_number: bool) -> tuple[Unit, int] | None:
    """The unit named at the start of ``words`` (longest name first) and how many words it took.

    Abbreviations of one or two letters ("m", "in") count only right after a number.
    """
    for size in range(min(LONGEST_NAME, len(words)), 0, -1):
        name = " ".join(words[:size])
        unit = UNITS.get(name)
        if unit is not None and (after_number or name not in SHORT_ONLY):
            return unit, size
    return None


def convert(value: F, source: Unit, target: Unit) -> F:
    """``value`` in ``source`` units expressed in ``target`` units (same dimension)."""
    if source.dimension != target.dimension:
        raise ValueError(f"{source.plural} are not {target.plural}")
    return target.from_base(source.to_base(value))
