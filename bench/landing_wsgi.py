"""The app as production runs it, plus one bare route to compare the landing page against."""

from backend import create_app

app = create_app()


@app.get("/bare")
def bare():
    return "ok"
