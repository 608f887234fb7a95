"""Provides the app's widgets: lesson cards, prose, quiz, knobs, the train panel and its plots."""
