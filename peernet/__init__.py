"""peernet: turns one training afternoon into a lasting cross-disciplinary peer network."""
