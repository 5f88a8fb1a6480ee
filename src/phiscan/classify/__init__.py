"""The learned judgment: is a post about an identifiable individual's care, and which candidates tie to that person."""
