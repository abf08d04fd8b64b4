"""Chinese licence plates: grammar, PP-OCRv4 reading, voting across frames."""
