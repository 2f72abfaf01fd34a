"""The web layer: FAB views and REST APIs. Parse input, call one service, render."""
