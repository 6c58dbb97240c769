"""The application itself: creating and upgrading its database, and the demo province."""
