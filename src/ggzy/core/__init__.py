"""Core building blocks shared by every capability: errors, identifiers, money, time."""
