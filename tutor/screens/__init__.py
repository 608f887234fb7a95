"""Provides the app's screens: home, lesson (the step player), problems, help, settings, too small."""
