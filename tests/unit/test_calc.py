"""The built-in calculator: arithmetic and unit conversions read from questions, worked out exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

from desktop_app.calc import calculate
from desktop_app.calc.numbers import format_value, number_word_value


@pytest.mark.parametrize("question, answer", [
    ("What is 17 times 3?", "17 × 3 = 51"),
    ("What is 99 plus 101?", "99 + 101 = 200"),
    ("What is 1,200 divided by 4?", "1,200 ÷ 4 = 300"),
    ("What is 100 / 8?", "100 ÷ 8 = 12.5"),
    ("What is 3/4 of 20?", "3/4 of 20 = 15"),
    ("what's 7 times 8, please?", "7 × 8 = 56"),
    ("Calculate 345 + 678.", "345 + 678 = 1,023"),
    ("What is 19 x 21?", "19 × 21 = 399"),
    ("What is 7 plus 8 times 2?", "7 + 8 × 2 = 23"),  # precedence
    ("What is (12 + 8) / 4?", "(12 + 8) ÷ 4 = 5"),
    ("What is 2 to the power of 10?", "2¹⁰ = 1,024"),
    ("What is 12 squared minus 44?", "12² − 44 = 100"),
    ("What is 3 cubed?", "3³ = 27"),
    ("What is the square root of 225?", "√225 = 15"),
    ("What is the square root of 2?", "√2 ≈ 1.414214"),
    ("How much is 15% of 240?", "15% of 240 = 36"),
    ("What is 25 percent of 80?", "25% of 80 = 20"),
    ("What is 1/4 of 360?", "1/4 of 360 = 90"),
    ("What is the sum of 45, 55 and 100?", "45 + 55 + 100 = 200"),
    ("What is the product of 8 and 125?", "8 × 125 = 1,000"),
    ("What is the difference between 10 and 40?", "40 − 10 = 30"),
    ("what is twenty five times four", "25 × 4 = 100"),
    ("What's 0.1 + 0.2?", "0.1 + 0.2 = 0.3"),  # exact, not 0.30000000000000004
    ("What is 1 divided by 3?", "1 ÷ 3 ≈ 0.333333"),
    ("What is 100 divided by 8?", "100 ÷ 8 = 12.5"),
    ("What is 5 divided by 0?", "This has no value: division by zero is undefined."),
    ("What is two thirds of 60?", "2/3 of 60 = 40"),
    ("What is 3 quarters of 100?", "3/4 of 100 = 75"),
    ("What is a quarter of 80?", "1/4 of 80 = 20"),
    ("What is -3 squared?", "−(3²) = -9"),  # the reading is shown, not left ambiguous
    ("What is 7 times 8 equal to?", "7 × 8 = 56"),
    ("What is 200 plus 15%?", "200 + 15% = 230"),  # a percentage added to a number is of that number
    ("What is 80 minus 25%?", "80 − 25% = 60"),
    ("What is 10 + 5% of 200?", "10 + 5% of 200 = 20"),
    ("What percent of 80 is 20?", "20 is 25% of 80"),
    ("20 is what percentage of 80?", "20 is 25% of 80"),
    ("What is 20 as a percentage of 80?", "20 is 25% of 80"),
    ("What percent of 3 is 1?", "1 is about 33.33% of 3"),
    ("What is the percentage increase from 50 to 75?", "From 50 to 75 is an increase of 50%"),
    ("What is the percent change from 80 to 60?", "From 80 to 60 is a decrease of 25%"),
    ("Increase 200 by 15%", "200 + 15% = 230"),
    ("Reduce 80 by 25 percent", "80 − 25% = 60"),
    ("What is 10 percent less than 50?", "50 − 10% = 45"),
])
def test_arithmetic(question, answer):
    assert calculate(question).answer == answer


@pytest.mark.parametrize("question, answer", [
    ("How many metres are in 5 kilometres?", "5 kilometres = 5,000 metres"),
    ("How many inches are in a foot?", "1 foot = 12 inches"),
    ("How many seconds are in one hour?", "1 hour = 3,600 seconds"),
    ("How many kilometres are 4,500 metres?", "4,500 metres = 4.5 kilometres"),
    ("How many grams are in a quarter of a kilogram?", "1/4 kilogram = 250 grams"),
    ("How many centimeters are in 6 inches?", "6 inches = 15.24 centimetres"),  # US spelling read
    ("Convert 5 miles to kilometres.", "5 miles = 8.04672 kilometres"),
    ("How many kilograms is 10 pounds?", "10 pounds ≈ 4.535924 kilograms"),
    ("What is 100 degrees Celsius in degrees Fahrenheit?", "100 degrees Celsius = 212 degrees Fahrenheit"),
    ("What is 98.6 degrees Fahrenheit in Celsius?", "98.6 degrees Fahrenheit = 37 degrees Celsius"),
    ("What is 2 hours and 30 minutes in minutes?", "2 hours 30 minutes = 150 minutes"),
    ("How many months are in 5 years?", "5 years = 60 months"),  # exact: no note on year length
    ("How many hours in a year?", "1 year = 8,760 hours (a year of 365 days)"),
    ("Convert 1 GB to MB", "1 gigabyte = 1,000 megabytes (in binary units, 1 gibibyte = 1,024 mebibytes)"),
    ("How many bytes in a megabyte?", "1 megabyte = 1,000,000 bytes (in binary units, 1 mebibyte = 1,048,576 bytes)"),
    ("What is 60 mph in km/h?", "60 miles per hour = 96.56064 kilometres per hour"),
    ("How many US gallons are in 10 litres?", "10 litres ≈ 2.641721 US gallons"),
])
def test_conversions(question, answer):
    assert calculate(question).answer == answer


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "What is 12?",  # a number, nothing to work out
    "What is 5 times the speed of light?",  # a word the calculator does not know
    "What is 2 + 2 in binary?",
    "How many days are in a leap year?",
    "If a book costs $12 and you buy 5 copies, how many dollars do you spend in total?",  # the model's job
    "How many employees did the agency have in FY 2022?",
    "What was the runway length in feet?",
    "How many metres are in 5 kilograms?",  # not the same kind of unit
    "How many metres are in 5 metres?",
    "Summarise the report in 3 sentences.",
    "What is 2 to the power of 100000?",  # too large to show
    "What is 9/11?",  # a date as often as a fraction
    "What does 24/7 mean?",
    "What is 7-11?",
    "What percentage of the budget is 20?",
])
def test_not_a_calculation(question):
    assert calculate(question) is None


def test_format_value_is_exact_or_marked():
    assert format_value(Fraction(5000)) == "5,000"
    assert format_value(Fraction("15.24")) == "15.24"
    assert format_value(Fraction(1, 3)) == "≈ 0.333333"
    assert format_value(Fraction(1, 30000000)) == "≈ 0.0000000333333"
    assert format_value(Fraction(-5, 2)) == "-2.5"


def test_number_words():
    assert number_word_value("twenty five thousand and more".split()) == (Fraction(25000), 3)
    assert number_word_value("a hundred".split()) == (Fraction(100), 2)
    assert number_word_value("one hundred and five".split()) == (Fraction(105), 4)
    assert number_word_value(["metres"]) is None
