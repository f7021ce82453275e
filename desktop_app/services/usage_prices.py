"""Cloud prices used to estimate the cost avoided by answering on the device.

The table holds the vendors' published list prices (USD per million tokens, standard tier,
no batch or cache discounts) for a few well-known models, with the month they were taken. They
change; the settings ``usage.price_in_per_mtok`` / ``usage.price_out_per_mtok`` (which IT may
lock) always win, so an organisation enters what it actually pays. docs/USAGE.md explains the
estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.config.settings import Settings

PRICES_TAKEN = "2025-06"  # when the table below was read from the vendors' pricing pages


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens, and where the figures come from."""

    in_per_mtok: float
    out_per_mtok: float
    source: str  # "settings" or the table's model name
    taken: str = ""  # the month a documented price was taken; empty for settings

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return prompt_tokens / 1e6 * self.in_per_mtok + completion_tokens / 1e6 * self.out_per_mtok

    def describe(self) -> str:
        figures = f"${_money(self.in_per_mtok)} in / ${_money(self.out_per_mtok)} out per million tokens"
        if self.source == "settings":
            return f"{figures} (your organisation's or your own price)"
        return f"{self.source} list price, {figures} (taken {self.taken})"


def _money(value: float) -> str:
    """0.6 -> "0.60", 0.075 -> "0.075": cents always, more digits only when the price has them."""
    return f"{value:.2f}" if round(value, 2) == value else f"{value:g}"


# model name -> (input, output) USD per million tokens, standard tier, taken PRICES_TAKEN.
DOCUMENTED: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-sonnet-4": (3.00, 15.00),
    "gemini-2.0-flash": (0.10, 0.40),
}


def documented_price(model: str) -> Price | None:
    """The table's price for ``model``: the longest table name it starts with, any case.

    "gpt-4o-mini-2024-07-18" is gpt-4o-mini, not gpt-4o; a provider prefix such as
    "openai/" is ignored.
    """
    name = model.strip().lower().rsplit("/", 1)[-1]
    matches = [k for k in DOCUMENTED if name.startswith(k)]
    if not matches:
        return None
    key = max(matches, key=len)
    inp, out = DOCUMENTED[key]
    return Price(inp, out, key, PRICES_TAKEN)


def resolve_price(settings: Settings) -> Price | None:
    """The price for the estimate: the settings' figures, else the documented price of
    ``usage.price_model`` (or the configured cloud model); None when neither is known."""
    usage = settings.usage
    documented = documented_price(usage.price_model or settings.routing.cloud.model)
    inp, out = usage.price_in_per_mtok, usage.price_out_per_mtok
    if inp >= 0 and out >= 0:
        return Price(inp, out, "settings")
    if documented is None:
        return None
    if inp < 0 and out < 0:
        return documented
    # One figure set, the other documented: say so by naming both sources.
    return Price(inp if inp >= 0 else documented.in_per_mtok, out if out >= 0 else documented.out_per_mtok,
                 f"settings and {documented.source}", documented.taken)
