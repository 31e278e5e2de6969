"""The report: its LaTeX sources, the generated fragments and the errata of the seed."""
