"""deltaprop.explain: seeing what a network computes and how it trained."""
