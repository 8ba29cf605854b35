"""The web side of qm: the review console (`qm web`) and the screen players, one Starlette application on uvicorn."""
