"""The JSON API: `routing` (the route decorator, a leaf every feature imports), `contract` (request and response
declarations), `openapi` (the document built from both)."""
