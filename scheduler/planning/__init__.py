"""The month's plan: a pure function from the campaign and the content library to dated posts in slots."""
