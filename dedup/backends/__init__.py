"""Optional engines; each imports its heavy dependency only when used."""
