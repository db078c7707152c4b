"""Password rules: at least 12 characters and not among common passwords (zxcvbn's list of 30,000)."""

from __future__ import annotations

from functools import lru_cache

MIN_LENGTH = 12


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, username: str | None = None) -> str | None:
    """A Dutch message saying why ``password`` is refused, or None when it is acceptable."""
    if len(password or "") < MIN_LENGTH:
        return f"Een wachtwoord heeft minstens {MIN_LENGTH} tekens."
    lowered = password.lower()
    if lowered in _common() or lowered.rstrip("0123456789!?.") in _common() and len(set(lowered)) < 6:
        return "Dit wachtwoord is te algemeen (het staat in lijsten van veelgebruikte wachtwoorden). Kies een ander."
    if len(set(password)) < 4:
        return "Dit wachtwoord is te eenvoudig: gebruik meer verschillende tekens."
    if username and username.lower() in lowered:
        return "Je wachtwoord mag je gebruikersnaam niet bevatten."
    return None
