"""The C3P stage after adoption (issue 11): city partnerships, the C3P project created from an
adopted proposal with its yearly contracts, activities and phases, exits into JCM Model Project
proposals or other schemes, and the matching of partner cities' needs with solutions. Each record
points at the one before (a C3P project at its adopted proposal, a partnership's projects through
their proposals); nothing is copied."""
